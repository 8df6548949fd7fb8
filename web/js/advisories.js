// Advisories (PROTOCOL.md §4.4, the advisor of DESIGN.md §4): a list with the guide's symptom,
// cause and fix, and a badge pinned to each node that has one. Keyed by the advisory's stable id
// so the list does not flicker at the stats rate.

import { formatGainDb } from './format.js';
import { setText } from './dom.js';

/**
 * @typedef {Object} Advisory
 * @property {string} id
 * @property {string} rule
 * @property {string} node
 * @property {number|null} tap
 * @property {'info'|'warning'|'critical'} severity
 * @property {string} title
 * @property {string} symptom
 * @property {string} cause
 * @property {string} fix
 * @property {number|null} amount_db
 * @property {Array<{label: string, value: number|null, unit: string}>} evidence
 * @property {number} raised_time_us
 */

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };

/** An item's quoted figures are rewritten at most this often. */
const TEXT_REFRESH_MS = 1000;

export class AdvisoryList {
  /**
   * @param {HTMLElement} list an <ol>
   * @param {HTMLElement} count where the number of advisories is written
   * @param {(id: string) => string} labelOf node id to its label
   * @param {(node: string) => void} onSelect
   */
  constructor(list, count, labelOf, onSelect) {
    this.list = list;
    this.count = count;
    this.labelOf = labelOf;
    this.onSelect = onSelect;
    /** @type {Map<string, {li: HTMLLIElement, amount: HTMLElement, symptom: HTMLElement, fix: HTMLElement, shown: string, writtenMs: number}>} */
    this.items = new Map();
    /** @type {string|null} the ids in display order, joined; null before the first update */
    this.order = null;
    /** Always the list's first child; shown only while there is no advisory. */
    this.emptyItem = document.createElement('li');
    this.emptyItem.className = 'empty';
    this.emptyItem.textContent = 'No advisories: every stage sits where the guide wants it.';
    this.emptyItem.hidden = true;
    list.replaceChildren(this.emptyItem);
  }

  /**
   * Called at the stats rate (10 Hz). The symptom and fix quote measured values that change with
   * every message, so items are kept by id and only their changed text is written, at most once a
   * second per item (a sentence is not read faster; each write is a layout of the panel):
   * rebuilding the list each time cost a 64-channel wall most of its frame budget.
   * @param {Advisory[]} advisories
   * @returns {Map<string, {count: number, severity: string, text: string}>} per node, for the badges
   */
  update(advisories) {
    const sorted = [...advisories].sort(
      (a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3) || a.raised_time_us - b.raised_time_us,
    );
    /** @type {Map<string, {count: number, severity: string, text: string}>} */
    const byNode = new Map();
    for (const a of sorted) {
      const prev = byNode.get(a.node);
      if (prev) {
        prev.count++;
        prev.text += `\n${a.title}`;
      } else {
        byNode.set(a.node, { count: 1, severity: a.severity, text: a.title });
      }
    }
    const seen = new Set();
    const now = performance.now();
    for (const a of sorted) {
      seen.add(a.id);
      const item = this.items.get(a.id);
      if (!item) {
        this.items.set(a.id, this.item(a));
        continue;
      }
      const shown = `${a.amount_db}|${a.symptom}|${a.fix}`;
      if (shown === item.shown || now - item.writtenMs < TEXT_REFRESH_MS) continue;
      item.shown = shown;
      item.writtenMs = now;
      item.amount.textContent = a.amount_db === null || a.amount_db === undefined ? '' : `${formatGainDb(a.amount_db)} dB`;
      item.symptom.textContent = a.symptom;
      item.fix.textContent = a.fix;
    }
    for (const [id, item] of [...this.items]) {
      if (seen.has(id)) continue;
      item.li.remove();
      this.items.delete(id);
    }
    const order = sorted.map((a) => a.id).join('\n');
    if (order === this.order) return byNode;
    this.order = order;
    setText(this.count, String(sorted.length));
    // Move only what is out of place: re-inserting every item (replaceChildren) made the browser
    // lay out the whole list, ~1500 boxes and 20 ms, each time one advisory came or went.
    this.emptyItem.hidden = sorted.length > 0;
    let next = this.emptyItem.nextElementSibling;
    for (const a of sorted) {
      const li = /** @type {HTMLLIElement} */ (this.items.get(a.id)?.li);
      if (li === next) next = next.nextElementSibling;
      else this.list.insertBefore(li, next);
    }
    return byNode;
  }

  /** @param {Advisory} a */
  item(a) {
    const li = document.createElement('li');
    li.className = `advisory severity-${a.severity}`;
    li.dataset.rule = a.rule;
    li.dataset.node = a.node;
    li.dataset.id = a.id;
    const head = document.createElement('button');
    head.type = 'button';
    head.className = 'advisory-head';
    const sev = document.createElement('span');
    sev.className = 'severity';
    sev.textContent = a.severity;
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = `${a.title} \u2014 ${this.labelOf(a.node)}`;
    const amount = document.createElement('span');
    amount.className = 'amount';
    if (a.amount_db !== null && a.amount_db !== undefined) amount.textContent = `${formatGainDb(a.amount_db)} dB`;
    head.append(sev, title, amount);
    head.addEventListener('click', () => this.onSelect(a.node));
    const dl = document.createElement('dl');
    /** @type {HTMLElement[]} */
    const dds = [];
    for (const [term, text] of [['Symptom', a.symptom], ['Cause', a.cause], ['Fix', a.fix]]) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = text;
      dl.append(dt, dd);
      dds.push(dd);
    }
    li.append(head, dl);
    return { li, amount, symptom: dds[0], fix: dds[2], shown: `${a.amount_db}|${a.symptom}|${a.fix}`, writtenMs: performance.now() };
  }
}
