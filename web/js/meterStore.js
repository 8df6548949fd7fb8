// The latest server readings per meter channel and what the screen shows between frames.
// The server computes every ballistic (PROTOCOL.md §3.3); this store only lets a peak bar fall
// between frames and eases the RMS bar toward the newest reading, so a 10 Hz tablet and a 60 Hz
// wall show the same values. Numbers on screen are always the server's latest, never the eased ones.

/** How fast a peak bar falls between frames, dB per second (the IEC Type IIa PPM return). */
export const PEAK_FALL_DB_PER_S = 24 / 2.8;
/** Time constant of the RMS bar's easing toward the newest reading, ms. */
const RMS_EASE_MS = 40;
/** A clip event keeps a wire in the clipping state this long, ms. */
export const CLIP_RECENT_MS = 2000;
/** The bottom of the meter scale, dBFS: anything lower (and -Infinity) draws as an empty bar. */
export const METER_FLOOR_DB = -60;

export class MeterStore {
  /** @param {number} numChannels meter channels of the topology */
  constructor(numChannels) {
    this.numChannels = numChannels;
    /** Latest frame values, dB (NaN: no data yet or not carried). */
    this.peak = new Float32Array(numChannels).fill(NaN);
    this.rms = new Float32Array(numChannels).fill(NaN);
    this.hold = new Float32Array(numChannels).fill(NaN);
    this.clipLatched = new Uint8Array(numChannels);
    /** performance.now() of the last clip event per channel (-Infinity: none). */
    this.lastClipMs = new Float64Array(numChannels).fill(-Infinity);
    /** What the bars show now, dB. */
    this.shownPeak = new Float32Array(numChannels).fill(NaN);
    this.shownRms = new Float32Array(numChannels).fill(NaN);
    /** performance.now() of the last frame applied. */
    this.lastFrameMs = -Infinity;
    this.frames = 0;
  }

  /**
   * Applies a decoded meter frame (already checked against the current topology version).
   * @param {import('./protocol.js').MeterFrame} frame
   * @param {number} nowMs performance.now()
   */
  applyFrame(frame, nowMs) {
    const peaks = frame.truePeak ?? frame.samplePeak ?? frame.ppm;
    const { rms, peakHold, channels, clipLatched, clipEvent } = frame;
    for (let i = 0; i < frame.count; i++) {
      const c = channels[i];
      if (c >= this.numChannels) continue;
      if (peaks) {
        const p = peaks[i];
        this.peak[c] = p;
        // A new peak shows at once; a lower one lets the bar fall (tick) rather than jump.
        const shown = this.shownPeak[c];
        if (Number.isNaN(p) || Number.isNaN(shown) || p >= shown) this.shownPeak[c] = p;
      }
      if (rms) {
        this.rms[c] = rms[i];
        if (!Number.isFinite(this.shownRms[c]) || !Number.isFinite(rms[i])) this.shownRms[c] = rms[i];
      }
      if (peakHold) this.hold[c] = peakHold[i];
      this.clipLatched[c] = clipLatched[i];
      if (clipEvent[i]) this.lastClipMs[c] = nowMs;
    }
    this.lastFrameMs = nowMs;
    this.frames++;
  }

  /**
   * Advances the shown values by dtMs: peaks fall, RMS eases toward the newest reading.
   * @param {number} dtMs
   */
  tick(dtMs) {
    const fall = (PEAK_FALL_DB_PER_S * dtMs) / 1000;
    const ease = 1 - Math.exp(-dtMs / RMS_EASE_MS);
    const { peak, rms, shownPeak, shownRms } = this;
    for (let c = 0; c < this.numChannels; c++) {
      const target = peak[c];
      const shown = shownPeak[c];
      if (Number.isFinite(shown) && !(shown <= target)) {
        const next = shown - fall;
        shownPeak[c] = next > target ? next : target;
        if (shownPeak[c] < METER_FLOOR_DB - 1) shownPeak[c] = target;
      }
      const r = rms[c];
      const s = shownRms[c];
      if (Number.isFinite(r) && Number.isFinite(s)) shownRms[c] = s + (r - s) * ease;
      else shownRms[c] = r;
    }
  }

  /** Clears the latches locally after the server acknowledged reset_peaks. */
  clearLatches() {
    this.clipLatched.fill(0);
    this.hold.fill(NaN);
  }

  /**
   * The loudest channel of a tap: its latest RMS and peak, whether any channel is latched or
   * clipped recently. Channel range [first, first + count).
   * @param {number} first @param {number} count @param {number} nowMs
   */
  tapReading(first, count, nowMs) {
    let rms = NaN;
    let peak = NaN;
    let latched = false;
    let clipping = false;
    let anyData = false;
    for (let c = first; c < first + count; c++) {
      const r = this.rms[c];
      const p = this.peak[c];
      if (!Number.isNaN(r)) {
        rms = anyData && !(r > rms) ? rms : r;
        anyData = true;
      }
      if (!Number.isNaN(p) && (Number.isNaN(peak) || p > peak)) peak = p;
      if (this.clipLatched[c]) latched = true;
      if (nowMs - this.lastClipMs[c] < CLIP_RECENT_MS) clipping = true;
    }
    return { rms, peak, latched, clipping };
  }
}
