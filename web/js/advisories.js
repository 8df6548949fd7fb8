// Advisories (PROTOCOL.md §4.4, the advisor of DESIGN.md §4): a list with the guide's symptom,
// cause and fix, and a badge pinned to each node that has one. Keyed by the advisory's stable id
// so the list does not flicker at the stats rate.

import { formatGainDb } from './format.js';

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
    this.key = '';
  }

  /**
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
    const key = sorted.map((a) => `${a.id}|${a.symptom}|${a.fix}`).join('\n');
    if (key === this.key) return byNode;
    this.key = key;
    this.count.textContent = String(sorted.length);
    this.list.replaceChildren(...sorted.map((a) => this.item(a)));
    if (sorted.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No advisories: every stage sits where the guide wants it.';
      this.list.append(empty);
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
    head.append(sev, title);
    if (a.amount_db !== null && a.amount_db !== undefined) {
      const amount = document.createElement('span');
      amount.className = 'amount';
      amount.textContent = `${formatGainDb(a.amount_db)} dB`;
      head.append(amount);
    }
    head.addEventListener('click', () => this.onSelect(a.node));
    const dl = document.createElement('dl');
    for (const [term, text] of [['Symptom', a.symptom], ['Cause', a.cause], ['Fix', a.fix]]) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = text;
      dl.append(dt, dd);
    }
    li.append(head, dl);
    return li;
  }
}
