// A virtualised list: any number of rows, but only the ones on screen are rendered (one
// blessed box whose content is those lines). blessed's own list turns every item into an
// element: 40 ms per key press at 10,000 items (docs/architecture.md, Dependencies); this stays constant.
// The cursor follows a row's key across updates, so live data does not move it.

import type { Widgets } from 'blessed';
import type { Row } from './row';
import { toBlessed } from './style';

export class VList {
  rows: Row[] = [];
  cursor = 0;
  top = 0;

  constructor(
    private readonly box: Widgets.BoxElement,
    private readonly color: boolean,
  ) {}

  height(): number {
    const h = this.box.height;
    return Math.max(1, typeof h === 'number' ? h : Number(h) || 1);
  }

  width(): number {
    const w = this.box.width;
    return Math.max(10, typeof w === 'number' ? w : Number(w) || 80);
  }

  current(): Row | undefined {
    return this.rows[this.cursor];
  }

  /**
   * New rows: the cursor stays on the row with the same key, at the same place on screen;
   * if that row is gone, at the same index (nearest selectable row).
   */
  setRows(rows: Row[], focusKey?: string): void {
    const cur = this.rows[this.cursor];
    const oldKey = focusKey ?? (cur?.selectable ? cur.key : undefined);
    const offset = this.cursor - this.top;
    this.rows = rows;
    let idx = -1;
    if (oldKey !== undefined) {
      // The common case (nothing moved) is checked first: O(1).
      if (rows[this.cursor]?.key === oldKey) idx = this.cursor;
      else idx = rows.findIndex((r) => r.key === oldKey);
    }
    const anchored = idx >= 0;
    if (idx < 0) idx = Math.min(this.cursor, rows.length - 1);
    this.cursor = Math.max(0, idx);
    this.snapToSelectable(1);
    // Scrolled down: the row under the cursor keeps its place on screen (live data does not
    // scroll the view). At the top: the top stays in view (new root causes appear above).
    if (focusKey === undefined && anchored && this.top > 0) this.top = Math.max(0, this.cursor - offset);
    this.clampTop();
  }

  private snapToSelectable(dir: 1 | -1): void {
    if (!this.rows.length) {
      this.cursor = 0;
      return;
    }
    if (this.rows[this.cursor]?.selectable) return;
    for (let i = this.cursor; i >= 0 && i < this.rows.length; i += dir) {
      if (this.rows[i]!.selectable) {
        this.cursor = i;
        return;
      }
    }
    for (let i = this.cursor; i >= 0 && i < this.rows.length; i -= dir) {
      if (this.rows[i]!.selectable) {
        this.cursor = i;
        return;
      }
    }
  }

  private clampTop(): void {
    const h = this.height();
    const maxTop = Math.max(0, this.rows.length - h);
    if (this.cursor < this.top) this.top = this.cursor;
    if (this.cursor >= this.top + h) this.top = this.cursor - h + 1;
    // Show the headings above the first selectable row.
    if (this.top > maxTop) this.top = maxTop;
    if (this.top < 0) this.top = 0;
  }

  /** Move by `n` selectable rows (negative: up). */
  move(n: number): void {
    if (!this.rows.length) return;
    const dir = n < 0 ? -1 : 1;
    let left = Math.abs(n);
    let i = this.cursor;
    while (left > 0) {
      let j = i + dir;
      while (j >= 0 && j < this.rows.length && !this.rows[j]!.selectable) j += dir;
      if (j < 0 || j >= this.rows.length) break;
      i = j;
      left--;
    }
    this.cursor = i;
    this.clampTop();
  }

  page(dir: 1 | -1): void {
    const h = this.height();
    const target = Math.max(0, Math.min(this.rows.length - 1, this.cursor + dir * (h - 1)));
    this.cursor = target;
    this.snapToSelectable(dir);
    this.top = Math.max(0, this.top + dir * (h - 1));
    this.clampTop();
  }

  home(): void {
    this.cursor = 0;
    this.top = 0;
    this.snapToSelectable(1);
    this.clampTop();
  }

  end(): void {
    this.cursor = Math.max(0, this.rows.length - 1);
    this.snapToSelectable(-1);
    this.clampTop();
  }

  /** Next (dir 1) or previous (-1) row matching `pred`, wrapping around. False if none. */
  jump(pred: (r: Row) => boolean, dir: 1 | -1): boolean {
    const n = this.rows.length;
    for (let k = 1; k <= n; k++) {
      const i = (((this.cursor + dir * k) % n) + n) % n;
      if (pred(this.rows[i]!)) {
        this.cursor = i;
        this.clampTop();
        return true;
      }
    }
    return false;
  }

  focusKey(key: string): boolean {
    const i = this.rows.findIndex((r) => r.key === key);
    if (i < 0) return false;
    this.cursor = i;
    this.clampTop();
    return true;
  }

  /** Render the visible rows into the box (the only rows ever rendered). */
  draw(empty = ''): void {
    const h = this.height();
    const w = this.width();
    this.clampTop();
    const out: string[] = [];
    const end = Math.min(this.rows.length, this.top + h);
    for (let i = this.top; i < end; i++) {
      const r = this.rows[i]!;
      out.push(toBlessed(r.render(w), { color: this.color, width: w, selected: i === this.cursor && r.selectable }));
    }
    if (!this.rows.length && empty) out.push(empty);
    this.box.setContent(out.join('\n'));
  }

  /** "row 12 of 10,000" for the footer. */
  position(): string {
    if (!this.rows.length) return '';
    return `${this.cursor + 1}/${this.rows.length}`;
  }
}
