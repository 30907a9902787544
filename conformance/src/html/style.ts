/** The report's stylesheet (inline; no fonts or images from anywhere), with a print stylesheet. */
export const STYLE = `
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --info: #0969da; --na: #6e7781; --error: #8250df;
  --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --paper: #fff; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; color: var(--ink); background: var(--paper);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
code, pre, .command, svg text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
.muted { color: var(--muted); }
.exit { font-size: 16px; margin: 4px 0; }
.report-head { border-left: 6px solid var(--pass); padding: 4px 16px; background: var(--soft); }
.report-head.exit-1 { border-color: var(--fail); } .report-head.exit-2, .report-head.exit-3 { border-color: var(--error); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; overflow-wrap: anywhere; }
.failures a { color: var(--v); font-weight: 700; }
.counts .count { display: inline-block; padding: 1px 8px; margin: 2px 2px 2px 0; border-radius: 10px; border: 1px solid var(--line); }
.verdict-pass { --v: var(--pass); } .verdict-fail { --v: var(--fail); } .verdict-warn { --v: var(--warn); }
.verdict-info { --v: var(--info); } .verdict-not-applicable { --v: var(--na); } .verdict-error { --v: var(--error); }
.verdict-not-run { --v: #afb8c1; } .verdict-not-judged { --v: #bf8700; }
.count { color: var(--v); } .count b { color: var(--v); }
.badge { display: inline-block; min-width: 48px; text-align: center; padding: 0 6px; border-radius: 4px; color: #fff;
  background: var(--v); font-weight: 700; font-size: 12px; }
.matrix-wrap { overflow-x: auto; }
.matrix { border-collapse: collapse; font-size: 12px; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: 1px 4px; text-align: center; }
.matrix tbody th { text-align: left; white-space: nowrap; }
.matrix .case-col { vertical-align: bottom; padding: 4px 2px; }
.matrix .case-col span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
.matrix .cell { background: var(--v); color: #fff; font-weight: 700; min-width: 18px; }
.matrix .cell.violated { outline: 3px solid var(--ink); outline-offset: -3px; }
.matrix tr.unchecked th, .matrix tr.unchecked td { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #eaeef2 4px, #eaeef2 8px); }
.unchecked-note { color: var(--fail); text-align: left !important; white-space: nowrap; }
.case { border: 1px solid var(--line); border-left: 5px solid var(--v); border-radius: 4px; padding: 6px 12px; margin: 6px 0; }
.case.verdict-pass { padding: 2px 12px; }
.case header .rules .rule { font-size: 11px; padding: 0 4px; border-radius: 3px; background: var(--soft); border: 1px solid var(--line); }
.case header .rules .rule.violated { border-color: var(--fail); color: var(--fail); font-weight: 700; }
.case .duration { color: var(--muted); float: right; }
.tag { font-size: 11px; padding: 0 5px; border-radius: 3px; background: #fff8c5; border: 1px solid #d4a72c; }
.message { margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.evidence { display: flex; flex-wrap: wrap; gap: 0 14px; margin: 2px 0; padding: 0; list-style: none; font-size: 12px; }
.evidence .key { color: var(--muted); } .evidence .key::after { content: ":"; }
.replay { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 4px 0; }
.replay .command { background: var(--soft); border: 1px solid var(--line); padding: 2px 6px; border-radius: 4px; overflow-wrap: anywhere; }
button.copy { font: inherit; font-size: 12px; padding: 1px 10px; cursor: pointer; }
figure { margin: 8px 0; overflow-x: auto; } figcaption { color: var(--muted); font-size: 12px; }
pre { background: var(--soft); padding: 8px; overflow-x: auto; font-size: 12px; }
svg text { font-size: 11px; }
svg .label { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .lane-head { font-weight: 700; font-size: 12px; } svg .time { fill: var(--muted); }
svg .lifeline { stroke: #afb8c1; stroke-dasharray: 4 3; }
svg .arrow line { stroke-width: 1.6; } svg .arrow.send line { stroke: var(--info); } svg .arrow.send polygon { fill: var(--info); }
svg .arrow.recv line { stroke: var(--pass); } svg .arrow.recv polygon { fill: var(--pass); }
svg .size { font-weight: 700; } svg .bad { fill: var(--fail); font-weight: 700; text-decoration: underline; }
svg .bad-dot { fill: var(--fail); } svg .arrow.marked line { stroke: var(--fail); stroke-width: 2.4; }
svg .mark circle, svg .mark rect { fill: #fff; stroke: var(--ink); stroke-width: 1.4; }
svg .mark.pause rect { fill: #eaeef2; } svg .mark.stall rect { fill: var(--fail); stroke: var(--fail); }
svg .mark.read-stop rect, svg .mark.read-resume rect { fill: #fff8c5; stroke: var(--warn); }
svg .mark.fin line, svg .mark.eof line { stroke: var(--ink); stroke-dasharray: 6 3; stroke-width: 1.6; }
svg .mark.reset line, svg .mark.peer-reset line { stroke: var(--fail); stroke-dasharray: 2 2; stroke-width: 2; }
svg .mark.reset polygon, svg .mark.peer-reset polygon { fill: var(--fail); }
svg .note { fill: var(--muted); font-style: italic; }
svg .gap line { stroke: var(--muted); stroke-dasharray: 1 4; stroke-width: 2; } svg .gap-text { fill: var(--muted); }
svg .mismatch rect { fill: #ffebe9; stroke: var(--fail); } svg .mismatch .key { font-weight: 700; }
svg .mismatch-head { font-weight: 700; fill: var(--fail); }
svg .flow-chart, svg.flow-chart { background: #fff; }
svg .frame { fill: none; stroke: var(--line); } svg .grid { stroke: #eaeef2; } svg .tick { fill: var(--muted); font-size: 10px; }
svg polyline { fill: none; stroke-width: 2; } svg .pushed { stroke: var(--info); } svg .replies { stroke: var(--pass); }
svg .rss { stroke: #bc4c00; } svg text.rss { fill: #bc4c00; stroke: none; } svg line.pushed, svg line.replies, svg line.rss { stroke-width: 3; }
svg .flow-mark line { stroke: var(--muted); stroke-dasharray: 3 3; } svg .flow-mark text { fill: var(--muted); font-size: 10px; }
svg .flow-mark.stall line { stroke: var(--fail); } svg .flow-mark.stall text { fill: var(--fail); font-weight: 700; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  button.copy { display: none; }
  .case { break-inside: avoid; } figure { overflow: visible; } .matrix-wrap { overflow: visible; }
  .report-head { background: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
