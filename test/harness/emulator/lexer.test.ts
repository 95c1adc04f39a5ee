import { expect } from "chai";
import { tokenize, TokenKind } from "../../../harness/emulator/lexer";
import { SqlLoadError } from "../../../harness/emulator";

describe("the SQL lexer", () => {
  it("folds unquoted words to upper case and keeps quoted identifiers as written", () => {
    const tokens = tokenize('select "user_id" From s');
    expect(tokens.map((t) => [t.kind, t.value])).to.deep.equal([
      [TokenKind.Word, "SELECT"],
      [TokenKind.QuotedIdentifier, "user_id"],
      [TokenKind.Word, "FROM"],
      [TokenKind.Word, "S"],
      [TokenKind.End, ""],
    ]);
  });

  it("skips line and block comments and keeps 1-based line:column positions", () => {
    const tokens = tokenize("-- header\n/* a\n block */ SELECT\n  x");
    expect(tokens.slice(0, 2).map((t) => [t.value, t.line, t.column])).to.deep.equal([
      ["SELECT", 3, 11],
      ["X", 4, 3],
    ]);
  });

  it("unescapes doubled quotes in strings and identifiers", () => {
    const tokens = tokenize(`'it''s' "a""b"`);
    expect(tokens.slice(0, 2).map((t) => t.value)).to.deep.equal(["it's", 'a"b']);
  });

  it("reads two-character operators as one symbol", () => {
    const tokens = tokenize("a||b<>c<=d>=e!=f");
    expect(tokens.filter((t) => t.kind === TokenKind.Symbol).map((t) => t.value)).to.deep.equal([
      "||",
      "<>",
      "<=",
      ">=",
      "!=",
    ]);
  });

  it("reads integers and decimals as numbers", () => {
    const tokens = tokenize("10 1.5 .5 2e3");
    expect(tokens.slice(0, 4).map((t) => t.value)).to.deep.equal(["10", "1.5", ".5", "2e3"]);
  });

  it("rejects an unterminated string with its position", () => {
    expect(() => tokenize("SELECT\n  'abc"))
      .to.throw(SqlLoadError, "Unterminated string literal at 2:3")
      .with.property("line", 2);
  });

  it("rejects an unterminated block comment", () => {
    expect(() => tokenize("x /* never closed")).to.throw(
      SqlLoadError,
      "Unterminated comment at 1:3",
    );
  });

  it("rejects a character that is not SQL", () => {
    expect(() => tokenize("a ? b")).to.throw(SqlLoadError, 'Unexpected character "?" at 1:3');
  });
});
