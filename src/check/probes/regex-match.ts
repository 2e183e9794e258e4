// Whether an HTTP body matches a url's regex, where keepalived 2.2.7 lets it match (check_http.c): the match must
// start at or after regex_min_offset and at or before regex_max_offset (bytes of the body); with PCRE2's firstline
// it must start on the first line. Lookbehind still sees the text before the minimum, as PCRE2's start offset
// allows. With utf the body is read as UTF-8 (JavaScript's u flag) and offsets still count bytes.

import type { HttpUrl } from "../check-definition.ts";

export function regexMatches(url: HttpUrl, body: Buffer): boolean {
  if (url.regex === null) return false;
  const { flags, minOffset, maxOffset, firstLine } = url.regexOptions;
  const utf = flags.includes("u");
  const text = body.toString(utf ? "utf8" : "latin1");
  const re = new RegExp(url.regex, `${flags}g`);
  re.lastIndex = utf ? charIndexAtByte(text, minOffset) : minOffset;
  const match = re.exec(text);
  if (match === null) return false;
  // The leftmost match: if it starts too late, every other one does too.
  const start = utf ? Buffer.byteLength(text.slice(0, match.index)) : match.index;
  if (maxOffset !== null && start > maxOffset) return false;
  if (firstLine) {
    const newline = text.indexOf("\n");
    if (newline >= 0 && match.index > newline) return false;
  }
  return true;
}

/** The index in `text` of the first character at or after byte `offset` of its UTF-8 encoding. */
function charIndexAtByte(text: string, offset: number): number {
  let bytes = 0;
  let index = 0;
  for (const char of text) {
    if (bytes >= offset) return index;
    bytes += Buffer.byteLength(char);
    index += char.length;
  }
  return text.length;
}
