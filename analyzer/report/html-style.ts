// The stylesheet inlined into the HTML report (no external resources: the page works offline).
export const reportStyle = `
:root {
  --full: #2f9e5b; --partial: #d49a00; --fake: #3b82c4; --stub: #8e5bb5; --missing: #d1493f;
  --ink: #1d2430; --muted: #5f6b7a; --line: #e2e6eb; --bg: #f6f7f9; --card: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg);
}
body { margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; font-weight: 650; }
h1 .bin { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
h2 { font-size: 17px; margin: 32px 0 10px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin-bottom: 18px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.facts ul { margin: 0; padding: 0; list-style: none; }
.facts li .path { color: var(--muted); }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; }
#summary { font-size: 16px; font-weight: 600; margin: 0 0 12px; }
.bar { display: flex; height: 26px; border-radius: 6px; overflow: hidden; background: var(--line); }
.bar .seg { min-width: 2px; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 22px; margin: 12px 0 0; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 7px; }
.sw { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
.s-full { background: var(--full); } .s-partial { background: var(--partial); } .s-fake { background: var(--fake); }
.s-stub { background: var(--stub); } .s-missing { background: var(--missing); }
.badge { color: #fff; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; margin-bottom: 10px; }
.controls input[type=search] { flex: 1 1 280px; padding: 7px 10px; border: 1px solid #c7ced6; border-radius: 7px; font-size: 14px; }
.controls label { display: flex; align-items: center; gap: 5px; cursor: pointer; }
#shown { color: var(--muted); margin-left: auto; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
th, td { text-align: left; padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-size: 13px; position: sticky; top: 0; white-space: nowrap; }
th button { all: unset; cursor: pointer; font-weight: 650; }
th button:focus-visible, details summary:focus-visible { outline: 2px solid var(--fake); outline-offset: 2px; }
th button::after { content: " \\2195"; color: #9aa4b0; }
th[aria-sort=ascending] button::after { content: " \\2191"; color: var(--ink); }
th[aria-sort=descending] button::after { content: " \\2193"; color: var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:hover { background: #f0f5fb; }
td.note { color: var(--muted); max-width: 320px; }
td.from, td.from code, .facts code { overflow-wrap: anywhere; }
td code { white-space: nowrap; } td.from code { white-space: normal; }
details summary { cursor: pointer; }
details ul { margin: 6px 0 2px; padding-left: 18px; }
.obj { font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
`;
