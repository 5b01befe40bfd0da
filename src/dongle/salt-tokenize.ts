/** Splits a Salt command line into words the way a POSIX shell would, keeping `[…]`/`{…}` groups whole. */

/** A command line Salt cannot run: unbalanced quotes or brackets, no words, or a bad function name. */
export class SaltSyntaxError extends Error {
  override readonly name = 'SaltSyntaxError';
}

/** One stretch of a word: `quoted` when it came from quotes or a backslash escape, so it must stay text. */
export interface SaltWordPart {
  text: string;
  quoted: boolean;
}

/** One whitespace-separated word of the line, as parts (adjacent unquoted text is merged into one part). */
export interface SaltWord {
  parts: SaltWordPart[];
  /** Where the word starts in the line (0-based). */
  start: number;
}

/** The text a word stands for once its quotes are removed. */
export function wordText(word: SaltWord): string {
  return word.parts.map((p) => p.text).join('');
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
// Inside double quotes a backslash only escapes these (as in POSIX sh); elsewhere it is literal.
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);
const CLOSERS: Record<string, string> = { '[': ']', '{': '}' };

/** Splits `line` into words; throws `SaltSyntaxError` with the position of what is left open. */
export function saltTokenize(line: string): SaltWord[] {
  const words: SaltWord[] = [];
  let i = 0;
  while (i < line.length) {
    if (WHITESPACE.has(line[i]!)) {
      i++;
      continue;
    }
    const word: SaltWord = { parts: [], start: i };
    while (i < line.length && !WHITESPACE.has(line[i]!)) {
      const ch = line[i]!;
      if (ch === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) throw new SaltSyntaxError(`unterminated single quote at position ${i}`);
        push(word, line.slice(i + 1, close), true);
        i = close + 1;
      } else if (ch === '"') {
        i = readDoubleQuoted(line, i, word);
      } else if (ch === '\\') {
        if (i + 1 >= line.length) throw new SaltSyntaxError(`backslash at end of line at position ${i}`);
        // A backslash before a newline joins lines; before anything else it quotes that character.
        if (line[i + 1] !== '\n') push(word, line[i + 1]!, true);
        i += 2;
      } else if (ch in CLOSERS) {
        const end = skipGroup(line, i);
        // The group stays raw (quotes included): YAML, not the shell, reads what is inside.
        push(word, line.slice(i, end), false);
        i = end;
      } else {
        push(word, ch, false);
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

function push(word: SaltWord, text: string, quoted: boolean): void {
  const last = word.parts[word.parts.length - 1];
  if (last && !last.quoted && !quoted) last.text += text;
  else word.parts.push({ text, quoted });
}

function readDoubleQuoted(line: string, open: number, word: SaltWord): number {
  let text = '';
  let i = open + 1;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '"') {
      push(word, text, true);
      return i + 1;
    }
    if (ch === '\\' && i + 1 < line.length && DOUBLE_QUOTE_ESCAPES.has(line[i + 1]!)) {
      if (line[i + 1] !== '\n') text += line[i + 1];
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
  throw new SaltSyntaxError(`unterminated double quote at position ${open}`);
}

// Returns the index just past the bracket that closes the one at `open`, minding YAML quotes inside.
function skipGroup(line: string, open: number): number {
  const stack: { closer: string; at: number }[] = [];
  // A quote opens a YAML quoted scalar only where a scalar starts; inside one (it's) it is literal.
  let scalarStart = true;
  let i = open;
  while (i < line.length) {
    const ch = line[i]!;
    const startsScalar = scalarStart;
    if (!WHITESPACE.has(ch)) scalarStart = '[{,:'.includes(ch);
    if (ch in CLOSERS) {
      stack.push({ closer: CLOSERS[ch]!, at: i });
    } else if (ch === ']' || ch === '}') {
      const top = stack.pop()!;
      if (ch !== top.closer) throw new SaltSyntaxError(`mismatched ${ch} at position ${i} (expected ${top.closer})`);
      if (stack.length === 0) return i + 1;
    } else if (ch === "'" && startsScalar) {
      let close = line.indexOf("'", i + 1);
      // YAML writes a quote inside single quotes as '': the scalar goes on.
      while (close >= 0 && line[close + 1] === "'") close = line.indexOf("'", close + 2);
      if (close < 0) throw new SaltSyntaxError(`unterminated single quote at position ${i}`);
      i = close;
    } else if (ch === '"' && startsScalar) {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) throw new SaltSyntaxError(`unterminated double quote at position ${i}`);
      i = j;
    }
    i++;
  }
  const innermost = stack[stack.length - 1]!;
  const opener = innermost.closer === ']' ? '[' : '{';
  throw new SaltSyntaxError(`unterminated ${opener} at position ${innermost.at}`);
}
