/**
 * The 404 page: what was not found and where to look instead.
 */
import { h, link } from '../dom';

/** Renders the 404 page. */
export function notFoundView(root: HTMLElement, message: string, pipeline?: string): void {
  root.replaceChildren(
    h(
      'section',
      { class: 'not-found', 'data-page': '404' },
      h('h1', {}, '404 — not found'),
      h('p', { class: 'message' }, message),
      h('p', {}, pipeline ? h('a', { href: link.runs(pipeline) }, `See the runs of ${pipeline}`) : h('a', { href: '#/' }, 'See all runs')),
    ),
  );
}
