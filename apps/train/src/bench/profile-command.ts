/**
 * `msmoe bench train-step --profile`: one configuration's step profile, printed as markdown tables.
 * @module
 */
import type { LmConfig } from '@momentum-smoe/models';
import { formatProfile, profileSteps } from './profile.js';
import { makeTrainStep } from './train-step.js';

/** Profiles `reps` steps of `config` at `batch` streams and prints the tables. */
export async function printProfile(config: LmConfig, batch: number, reps: number): Promise<void> {
  const run = makeTrainStep(config, batch);
  try {
    console.log(
      formatProfile(`${config.arch}, dModel ${config.dModel}, batch ${batch}`, await profileSteps(run, reps)),
    );
  } finally {
    run.dispose();
  }
}
