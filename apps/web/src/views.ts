/**
 * The page's pictures, as DOM/SVG built from plain numbers: the text with its tokens, the routing of one token, the
 * tokens-per-expert heat map and the state norm across depth.
 * @module
 */
import type { LayerSummary, TokenView } from './engine.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Creates an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** The tokens as spans (generated ones marked); `onPick(i)` when one is hovered or clicked. */
export function tokenText(tokens: readonly TokenView[], onPick: (i: number) => void): HTMLElement {
  const box = el('div', { class: 'tokens' });
  tokens.forEach((t, i) => {
    if (t.word === '<eos>') {
      box.append(el('br'));
      return;
    }
    const span = el('span', { class: t.generated ? 'tok gen' : 'tok', 'data-index': String(i) }, t.word);
    span.addEventListener('mouseenter', () => onPick(i));
    span.addEventListener('click', () => onPick(i));
    box.append(span, ' ');
  });
  return box;
}

/** A table of one token's routing: per MoE layer, the chosen experts with their weights. */
export function routingTable(token: TokenView): HTMLElement {
  const rows = token.routing.map((r) =>
    el(
      'tr',
      {},
      el('td', {}, `layer ${r.layer}`),
      el('td', {}, r.experts.map((e, k) => `E${e} ${(100 * r.weights[k]!).toFixed(0)}%`).join(' · ')),
    ),
  );
  return el('table', { class: 'routing' }, el('caption', {}, `“${token.word}”: experts chosen (weight)`), ...rows);
}

/** Layers × experts heat map of the tokens each expert took (darker = more). */
export function heatMap(layers: readonly LayerSummary[]): SVGElement {
  const experts = layers[0]?.tokensPerExpert.length ?? 0;
  const cell = 18;
  const left = 56;
  const top = 16;
  const root = svg('svg', { width: left + experts * cell + 4, height: top + layers.length * cell + 4, class: 'heat' });
  for (let e = 0; e < experts; e++) {
    const label = svg('text', { x: left + e * cell + cell / 2, y: 11, 'text-anchor': 'middle', 'font-size': 9 });
    label.textContent = String(e);
    root.append(label);
  }
  layers.forEach((l, row) => {
    const max = Math.max(1, ...l.tokensPerExpert);
    const name = svg('text', { x: 0, y: top + row * cell + 13, 'font-size': 11 });
    name.textContent = `layer ${l.layer}`;
    root.append(name);
    l.tokensPerExpert.forEach((c, e) => {
      const rect = svg('rect', {
        x: left + e * cell,
        y: top + row * cell,
        width: cell - 1,
        height: cell - 1,
        fill: `rgba(37, 99, 235, ${(0.08 + 0.92 * (c / max)).toFixed(3)})`,
      });
      const title = svg('title', {});
      title.textContent = `layer ${l.layer}, expert ${e}: ${c} tokens`;
      rect.append(title);
      root.append(rect);
    });
  });
  return root;
}

/** The residual rule's state norm (RMS) across depth, one point per MoE layer. */
export function normChart(layers: readonly LayerSummary[]): SVGElement {
  const w = 260;
  const h = 90;
  const pad = 24;
  const max = Math.max(1e-9, ...layers.map((l) => l.stateNorm));
  const root = svg('svg', { width: w, height: h, class: 'norms' });
  const x = (i: number) => pad + (layers.length < 2 ? 0 : (i * (w - 2 * pad)) / (layers.length - 1));
  const y = (v: number) => h - pad + 4 - (v / max) * (h - pad - 10);
  root.append(
    svg('polyline', {
      points: layers.map((l, i) => `${x(i)},${y(l.stateNorm)}`).join(' '),
      fill: 'none',
      stroke: '#dc2626',
      'stroke-width': 2,
    }),
  );
  layers.forEach((l, i) => {
    root.append(svg('circle', { cx: x(i), cy: y(l.stateNorm), r: 3, fill: '#dc2626' }));
    const t = svg('text', { x: x(i), y: h - 4, 'font-size': 9, 'text-anchor': 'middle' });
    t.textContent = `L${l.layer}: ${l.stateNorm.toFixed(2)}`;
    root.append(t);
  });
  return root;
}
