import { useVirtualizer } from '@tanstack/vue-virtual';
import { computed, type Ref } from 'vue';

/**
 * The rows of a long table that are in its scroll box (plus `overscan` either side), through
 * @tanstack/vue-virtual: only those are in the DOM, however many rows there are, and spacer rows
 * of `padTop` / `padBottom` pixels keep the scroll bar true. Rows have one fixed height
 * (`rowPx`, the table's CSS sets it), so nothing is measured while events stream in.
 */
export function useVirtualRows<Row>(options: { scroller: Ref<HTMLElement | null>; rows: Ref<Row[]>; keyOf: (row: Row) => string; rowPx: number; overscan?: number }) {
  const virtualizer = useVirtualizer<HTMLElement, HTMLTableRowElement>(
    computed(() => {
      const rows = options.rows.value;
      return {
        count: rows.length,
        getScrollElement: () => options.scroller.value,
        estimateSize: () => options.rowPx,
        getItemKey: (i: number) => options.keyOf(rows[i]!),
        overscan: options.overscan ?? 8,
        // a browser with no layout yet (first render) still shows a first screenful
        initialRect: { width: 0, height: 600 },
      };
    }),
  );
  const items = computed(() => virtualizer.value.getVirtualItems());
  return {
    /** The rows to render, each with its index in `rows`. */
    visible: computed(() => items.value.flatMap((v) => (v.index < options.rows.value.length ? [{ index: v.index, row: options.rows.value[v.index]! }] : []))),
    padTop: computed(() => items.value[0]?.start ?? 0),
    padBottom: computed(() => virtualizer.value.getTotalSize() - (items.value.at(-1)?.end ?? 0)),
  };
}
