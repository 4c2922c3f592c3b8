import type { Child } from 'hono/jsx';

/**
 * The document around every page: the head all of them share (charset, viewport, no favicon
 * request, the page's title and styles) and the page's body. Scripts come from /assets/, never
 * inline (the Content-Security-Policy forbids it), so a page puts its own at the end of its body.
 */
export function PageLayout(props: { title: string; styles?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="icon" href="data:," />
        {props.styles === undefined ? null : <style>{props.styles}</style>}
      </head>
      <body>{props.children}</body>
    </html>
  );
}
