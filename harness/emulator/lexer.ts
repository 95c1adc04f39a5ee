/**
 * Lexer for the KDA SQL subset: turns SQL text into tokens with 1-based line:column positions.
 * Unquoted identifiers and keywords fold to upper case; quoted identifiers keep their case.
 */
import { at, SqlLoadError, type SourcePosition } from "./errors";

export const TokenKind = {
  /** An unquoted word (identifier or keyword), folded to upper case. */
  Word: "word",
  /** A double-quoted identifier, case kept, `""` unescaped. */
  QuotedIdentifier: "quoted",
  /** A single-quoted string literal, `''` unescaped. */
  String: "string",
  Number: "number",
  /** Operators and punctuation: `( ) , ; . * + - / || = <> != < <= > >=`. */
  Symbol: "symbol",
  End: "end",
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token extends SourcePosition {
  readonly kind: TokenKind;
  /** Folded word, unescaped identifier or string, number text, or the symbol itself. */
  readonly value: string;
  /** Offset of the token's first character in the SQL text. */
  readonly offset: number;
}

const symbols = [
  "<>",
  "!=",
  "<=",
  ">=",
  "||",
  "(",
  ")",
  ",",
  ";",
  ".",
  "*",
  "+",
  "-",
  "/",
  "=",
  "<",
  ">",
  "%",
];

function isWordStart(ch: string): boolean {
  return /[A-Za-z_]/.test(ch);
}

function isWordPart(ch: string): boolean {
  return /[A-Za-z0-9_$]/.test(ch);
}

/**
 * Splits SQL into tokens, skipping whitespace, `-- line` and `/* block *\/` comments.
 * `tokenize('SELECT "a" -- x')` gives Word SELECT, QuotedIdentifier a, End.
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const position = (offset: number): SourcePosition => ({ line, column: offset - lineStart + 1 });
  const advanceOver = (end: number): void => {
    for (let k = i; k < end; k++) {
      if (sql[k] === "\n") {
        line++;
        lineStart = k + 1;
      }
    }
    i = end;
  };

  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "\n" || ch === " " || ch === "\t" || ch === "\r" || ch === "\f") {
      advanceOver(i + 1);
      continue;
    }
    if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      advanceOver(end === -1 ? sql.length : end);
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end === -1) {
        throw new SqlLoadError(
          `Unterminated comment at ${at(position(i))}; expected */`,
          position(i),
        );
      }
      advanceOver(end + 2);
      continue;
    }
    const start = position(i);
    const offset = i;
    if (ch === "'" || ch === '"') {
      let value = "";
      let k = i + 1;
      for (;;) {
        if (k >= sql.length) {
          const what = ch === "'" ? "string literal" : "quoted identifier";
          throw new SqlLoadError(`Unterminated ${what} at ${at(start)}; expected ${ch}`, start);
        }
        if (sql[k] === ch) {
          if (sql[k + 1] === ch) {
            value += ch;
            k += 2;
            continue;
          }
          break;
        }
        value += sql[k];
        k++;
      }
      if (ch === '"' && value === "") {
        throw new SqlLoadError(`Empty quoted identifier at ${at(start)}`, start);
      }
      tokens.push({
        kind: ch === "'" ? TokenKind.String : TokenKind.QuotedIdentifier,
        value,
        offset,
        ...start,
      });
      advanceOver(k + 1);
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const match = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i));
      const text = match ? match[0] : ch;
      tokens.push({ kind: TokenKind.Number, value: text, offset, ...start });
      advanceOver(i + text.length);
      continue;
    }
    if (isWordStart(ch)) {
      let k = i + 1;
      while (k < sql.length && isWordPart(sql[k])) k++;
      tokens.push({ kind: TokenKind.Word, value: sql.slice(i, k).toUpperCase(), offset, ...start });
      advanceOver(k);
      continue;
    }
    const symbol = symbols.find((s) => sql.startsWith(s, i));
    if (symbol === undefined) {
      throw new SqlLoadError(`Unexpected character ${JSON.stringify(ch)} at ${at(start)}`, start);
    }
    tokens.push({ kind: TokenKind.Symbol, value: symbol, offset, ...start });
    advanceOver(i + symbol.length);
  }
  tokens.push({ kind: TokenKind.End, value: "", offset: sql.length, ...position(sql.length) });
  return tokens;
}
