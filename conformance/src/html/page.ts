/**
 * The HTML report: one self-contained page (CSS, SVG and a small script inline; nothing fetched,
 * readable offline, printable). Every byte from the wire and every text from the target is escaped;
 * a Content-Security-Policy allows only this page's own style and script.
 */
import { createHash } from "node:crypto";
import { xmlEscape as esc } from "../render.js";
import type { Report } from "../report.js";
import { renderCases } from "./cases.js";
import { renderCoverage } from "./coverage-matrix.js";
import { renderFuzz } from "./fuzz.js";
import { exitWords, renderHeader } from "./header.js";
import { SCRIPT } from "./script.js";
import { STYLE } from "./style.js";

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

const POLICY = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

/** The whole report as one HTML document. */
export function renderHtml(report: Report): string {
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${esc(POLICY)}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="${esc(`launcelot-conformance ${report.suiteVersion}`)}">`,
    `<title>${esc(`Launcelot conformance: ${report.target}: ${exitWords(report.exitCode)}`)}</title>`,
    `<style>${STYLE}</style>`,
    "</head><body>",
    renderHeader(report),
    renderCoverage(report),
    renderCases(report),
    renderFuzz(report),
    `<footer class="muted"><p>Schema ${esc(report.schema)}. The JSON report (<code>--reporter json:FILE</code>) holds the same data, every wire event included.</p></footer>`,
    `<script>${SCRIPT}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}
