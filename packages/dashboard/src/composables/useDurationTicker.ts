import { watch, type Ref } from 'vue';
import { formatDuration } from './useAgentBoard';

/**
 * One ticker for every running duration in `root`: each tick of `now` (server clock, ms) writes the
 * text of the cells that carry `data-since` (their start, ms), straight into the DOM. A thousand
 * ticking rows then cost a thousand text writes a second, not a thousand component renders.
 */
export function useDurationTicker(root: Ref<HTMLElement | null>, now: Ref<number | null>) {
  watch(now, (n) => {
    if (n === null || !root.value) return;
    for (const cell of root.value.querySelectorAll<HTMLElement>('[data-since]')) {
      const text = formatDuration((n - Number(cell.dataset.since)) / 1000);
      if (cell.textContent !== text) cell.textContent = text;
    }
  });
}
