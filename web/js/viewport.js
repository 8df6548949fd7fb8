// Zoom and pan of the diagram: one transform (layout units -> CSS pixels) shared by the SVG and
// the meter canvas. The wall and the tablet only fit; the desktop adds wheel, drag, pinch and keys.

/** @typedef {{scale: number, x: number, y: number}} View */

export class Viewport {
  /** @param {(view: View) => void} onChange */
  constructor(onChange) {
    this.onChange = onChange;
    /** @type {View} */
    this.view = { scale: 1, x: 0, y: 0 };
    this.fitScale = 1;
    this.width = 1;
    this.height = 1;
    this.contentW = 1;
    this.contentH = 1;
  }

  /**
   * Fits content of contentW x contentH layout units into width x height CSS pixels.
   * @param {number} width @param {number} height @param {number} contentW @param {number} contentH
   */
  fit(width, height, contentW, contentH) {
    this.width = width;
    this.height = height;
    this.contentW = contentW;
    this.contentH = contentH;
    const scale = Math.min(width / contentW, height / contentH);
    this.fitScale = scale;
    this.view = { scale, x: Math.max(0, (width - contentW * scale) / 2), y: Math.max(0, (height - contentH * scale) / 2) };
    this.onChange(this.view);
  }

  /** @param {number} factor @param {number} cx @param {number} cy CSS px in the stage */
  zoomAt(factor, cx, cy) {
    const v = this.view;
    const scale = Math.min(this.fitScale * 12, Math.max(this.fitScale * 0.5, v.scale * factor));
    const k = scale / v.scale;
    this.view = { scale, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
    this.onChange(this.view);
  }

  /** @param {number} dx @param {number} dy */
  pan(dx, dy) {
    this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy };
    this.onChange(this.view);
  }

  /**
   * Wheel zoom, drag pan, two-finger pinch and +/-/0 keys on an element.
   * @param {HTMLElement} element
   * @param {() => void} onFit
   */
  bind(element, onFit) {
    element.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = element.getBoundingClientRect();
      this.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    /** @type {Map<number, {x: number, y: number}>} */
    const pointers = new Map();
    let moved = 0;
    element.addEventListener('pointerdown', (e) => {
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      moved = 0;
    });
    element.addEventListener('pointermove', (e) => {
      const p = pointers.get(e.pointerId);
      if (!p) return;
      if (pointers.size === 1) {
        const dx = e.clientX - p.x;
        const dy = e.clientY - p.y;
        moved += Math.abs(dx) + Math.abs(dy);
        if (moved > 4) {
          element.setPointerCapture(e.pointerId);
          this.pan(dx, dy);
        }
      } else if (pointers.size === 2) {
        const [a, b] = [...pointers.entries()];
        const other = a[0] === e.pointerId ? b[1] : a[1];
        const before = Math.hypot(p.x - other.x, p.y - other.y);
        const after = Math.hypot(e.clientX - other.x, e.clientY - other.y);
        const r = element.getBoundingClientRect();
        if (before > 0) this.zoomAt(after / before, (e.clientX + other.x) / 2 - r.left, (e.clientY + other.y) / 2 - r.top);
        moved += 10;
      }
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    });
    const end = (/** @type {PointerEvent} */ e) => pointers.delete(e.pointerId);
    element.addEventListener('pointerup', end);
    element.addEventListener('pointercancel', end);
    // A click after a drag is not a selection.
    element.addEventListener('click', (e) => { if (moved > 4) e.stopPropagation(); }, true);
    element.addEventListener('keydown', (e) => {
      const cx = this.width / 2;
      const cy = this.height / 2;
      if (e.key === '+' || e.key === '=') this.zoomAt(1.25, cx, cy);
      else if (e.key === '-') this.zoomAt(0.8, cx, cy);
      else if (e.key === '0') onFit();
      else if (e.key === 'ArrowLeft') this.pan(60, 0);
      else if (e.key === 'ArrowRight') this.pan(-60, 0);
      else if (e.key === 'ArrowUp') this.pan(0, 60);
      else if (e.key === 'ArrowDown') this.pan(0, -60);
      else return;
      e.preventDefault();
    });
  }
}
