/**
 * English stop words: the function words (articles, pronouns, prepositions, conjunctions, auxiliaries,
 * common adverbs and contraction pieces) that a word-swap attack never replaces. Written for this project
 * in the spirit of TextAttack's default list; compared in lower case.
 * @module
 */

const WORDS = `
a about above across after afterwards again against ain all almost alone along already also although always
am among amongst an and another any anyhow anyone anything anyway anywhere are aren around as at
be became because become becomes becoming been before beforehand behind being below beside besides between
beyond both but by can cannot could couldn d did didn do does doesn doing don done down during
each either else elsewhere enough even ever every everyone everything everywhere except few for former
formerly from further had hadn has hasn have haven having he hence her here hereafter hereby herein
hereupon hers herself him himself his how however i if in indeed into is isn it its itself just
latter latterly least ll m ma me meanwhile might mightn mine more moreover most mostly much must mustn
my myself namely needn neither never nevertheless next no nobody none noone nor not nothing now nowhere
o of off on once one only onto or other others otherwise our ours ourselves out over per perhaps please
quite rather re really s same shan she should shouldn so some somehow someone something sometime
sometimes somewhere still such t than that the their theirs them themselves then thence there
thereafter thereby therefore therein thereupon these they this those though through throughout thru
thus to together too toward towards under unless until up upon us used ve very via was wasn we well were
weren what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever
whether which while whither who whoever whole whom whose why will with within without won would wouldn
y yet you your yours yourself yourselves
'll 're 's 've 'd 'm n't
`;

/**
 * The default stop-word set (lower case).
 * @example
 * ```ts
 * ENGLISH_STOP_WORDS.has('the'); // true
 * ```
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((w) => w.length > 0));
