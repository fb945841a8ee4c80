/**
 * Presentation of plans in `pulumi preview`: the CLI shortens long strings when it shows a new resource,
 * so a plan line over {@link DISPLAY_WIDTH} characters is split into a header, `- before` / `+ after`
 * lines, and word-wrapped continuation lines. Text is never dropped.
 */

/** Longest line the preview shows whole. */
const DISPLAY_WIDTH = 100;

function wrapWords(text: string, first: string, rest: string, width: number): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(" ")) {
    const sep = line === first || line === rest ? "" : " ";
    if ((line + sep + word).length > width && line !== first && line !== rest) {
      out.push(line);
      line = rest + word;
    } else {
      line += sep + word;
    }
  }
  out.push(line);
  return out;
}

/** Splits each line longer than `width` so every resulting line fits (but for single words longer than it). */
export function wrapForDisplay(lines: readonly string[], width = DISPLAY_WIDTH): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    const arrow = line.indexOf(" → ");
    const colon = line.indexOf(": ");
    if (arrow > 0 && colon > 0 && colon < arrow) {
      out.push(line.slice(0, colon + 1));
      out.push(...wrapWords(line.slice(colon + 2, arrow), "  - ", "    ", width));
      out.push(...wrapWords(line.slice(arrow + 3), "  + ", "    ", width));
    } else {
      out.push(...wrapWords(line, "", "    ", width));
    }
  }
  return out;
}
