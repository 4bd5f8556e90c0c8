"""Finding the imports in Dhall source without evaluating it: a platform file is self-contained.

The scanner follows the lexical rules of the Dhall grammar (dhall-lang's standard/dhall.abnf,
as dhall-rust parses it): it skips text literals ("…" with escapes, '' … '' with ''' and ''${)
but scans their `${…}` interpolations as code, skips nested `{- -}` comments, `--` comments,
shebang lines and quoted labels (`env`), and finds every import form in the code that is left.
It also measures how deeply the code nests: the binding's parser takes time exponential in it.

The grammar is a PEG that backtracks: an interpolation that does not parse is text, and an
unclosed comment or '' literal may end earlier than it seems. Where that could make Dhall read
the source otherwise than this scanner, the source is refused as unclear rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Dhall allows tab, LF, CRLF, printable ASCII and Unicode scalars other than non-characters.
_NON_CHARACTERS = "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
_INVALID_CHARACTER = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff{_NON_CHARACTERS}]|\r(?!\n)"
)
# In code, only these characters can begin a comment, a literal, a label, an import or a level.
_CODE_MARK = re.compile(r"[()\[\]{}\"'`A-Za-z_\-./~]")
_DOUBLE_QUOTED_MARK = re.compile(r"[\\\"]|\$\{")
_SINGLE_QUOTED_MARK = re.compile(r"\$\{|''")
_BLOCK_COMMENT_MARK = re.compile(r"\{-|-\}")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_/-]*")
_QUOTED_LABEL = re.compile(r"`[\x20-\x5f\x61-\x7e]*`")
_AS_TARGET = re.compile(r"[ \t\r\n]*(Text|Location|Bytes)\b")
# The rest of an import after its first token, skipped only to name what follows it.
_PATH_REST = re.compile(r"(?:[!$-'*+\-.0-;=@-Z^-z|~/]|\"[^\"\n]*\")*")
_URL_REST = re.compile(r"[A-Za-z0-9\-._~%!$&'*+;=:@/?\[\]]*")
_ENV_REST = re.compile(r"\"(?:\\.|[^\"\\\n])*\"|[A-Za-z0-9_]*")
_HASH_REST = re.compile(r"[A-Fa-f0-9]*")
_KEYWORD_FORMS = {"missing": "missing", "using": "using"}
_SCHEMES = {"http": "http://", "https": "https://"}
# What would end an interpolation's literal if Dhall read the interpolation as text.
_ENDS_DOUBLE_QUOTED = ('"', "\\", "${")
_ENDS_SINGLE_QUOTED = ("''", "${")
# The deepest nesting of ( [ { ${ (and of {- comments) accepted. The dhall 0.1.15 binding's
# parser takes about three times longer per level: 10 levels take up to ~1 s, 12 up to ~13 s,
# thousands overflow its stack. A platform record nests 5 levels; its Dhall type about 7.
MAX_NESTING = 10
_CODE_LEVELS = "brackets, braces, parentheses and interpolations"
_COMMENT_LEVELS = "comments {- -}"


@dataclass(frozen=True)
class DhallImport:
    """The first import in Dhall source: its line, and every import form on that line."""

    line: int
    forms: tuple[str, ...]


class DeepDhall(Exception):
    """Dhall source that nests deeper than MAX_NESTING: `line` says where and `what` nests."""

    def __init__(self, line: int, what: str, limit: int) -> None:
        super().__init__(f"line {line}: {what} nest more than {limit} deep")
        self.line = line
        self.what = what


class UnclearDhall(Exception):
    """Dhall source this scanner cannot read for sure; `line` says where and `reason` why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def first_import(source: str) -> DhallImport | None:
    """The first import in the Dhall source, outside text literals and comments, if any.

    Raises UnclearDhall for source it cannot read for sure, and DeepDhall for source that
    nests too deeply but imports nothing.
    """
    return _Scanner(source).run()


class _Code:
    """Code: the file, or an interpolation opened at `opened_at`; counts what is open in it."""

    def __init__(self, opened_at: int | None) -> None:
        self.opened_at = opened_at
        self.braces = 0
        self.levels = 0


class _Literal:
    """A text literal opened at `opened_at`: "…" (double-quoted) or '' … ''."""

    def __init__(self, opened_at: int, double_quoted: bool) -> None:
        self.opened_at = opened_at
        self.double_quoted = double_quoted


class _Scanner:
    """One pass over Dhall source, from the start to the end of the first import's line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.at = 0
        self.end = len(source)
        self.stack: list[_Code | _Literal] = [_Code(opened_at=None)]
        self.found: list[tuple[int, str]] = []
        self.depth = 0
        self.too_deep: tuple[int, str] | None = None

    def run(self) -> DhallImport | None:
        """Scan the source; the first import, or None when there is none."""
        invalid = _INVALID_CHARACTER.search(self.source)
        if invalid:
            code_point = ord(invalid.group()[0])
            self.unclear(invalid.start(), f"character U+{code_point:04X} is not allowed in Dhall")
        self.at = self.skip_shebangs(0)
        while self.at < self.end:
            state = self.stack[-1]
            if isinstance(state, _Code):
                self.code()
            elif state.double_quoted:
                self.double_quoted()
            else:
                self.single_quoted()
        if not self.found:
            if len(self.stack) > 1:
                opened = next(state for state in self.stack if isinstance(state, _Literal))
                self.unclear(opened.opened_at, "this text literal is not closed")
            if self.too_deep:
                at, what = self.too_deep
                raise DeepDhall(self.line_of(at), what, MAX_NESTING)
            return None
        first = self.found[0][0]
        return DhallImport(self.line_of(first), tuple(dict.fromkeys(f for _, f in self.found)))

    def line_of(self, at: int) -> int:
        """The line number of a position."""
        return self.source.count("\n", 0, at) + 1

    def unclear(self, at: int, reason: str) -> None:
        """Refuse the source as unclear, unless an import already refuses it: then stop."""
        if not self.found:
            raise UnclearDhall(self.line_of(at), reason)
        self.at = self.end

    def add(self, at: int, form: str, rest: re.Pattern | None = None, after: int = 0) -> None:
        """Record an import form; the scan then ends with its line (to name the rest on it)."""
        if not self.found:
            line_end = self.source.find("\n", at)
            self.end = len(self.source) if line_end < 0 else line_end
        self.found.append((at, form))
        self.at = rest.match(self.source, after).end() if rest else after

    def deeper(self, at: int, what: str, depth: int) -> None:
        """Note the first place where `what` nests deeper than MAX_NESTING."""
        if depth > MAX_NESTING and self.too_deep is None:
            self.too_deep = (at, what)

    def open_level(self, at: int) -> None:
        """Open a ( [ or { level in this code."""
        self.stack[-1].levels += 1
        self.depth += 1
        self.deeper(at, _CODE_LEVELS, self.depth)

    def close_level(self) -> None:
        """Close a ( [ or { level, if one is open in this code."""
        code = self.stack[-1]
        if code.levels:
            code.levels -= 1
            self.depth -= 1

    def skip_shebangs(self, at: int) -> int:
        """The position after any `#!` lines starting at `at`."""
        # dhall-rust allows `#!` lines where a complete expression starts: file, `(` and `${`.
        while self.source.startswith("#!", at):
            line_end = self.source.find("\n", at)
            at = len(self.source) if line_end < 0 else line_end + 1
        return at

    def code(self) -> None:
        """Go on to the next comment, literal, bracket, label or import in code."""
        source = self.source
        mark = _CODE_MARK.search(source, self.at)
        if mark is None:
            self.at = len(source)
            return
        at, char = mark.start(), mark.group()
        self.at = at + 1
        if source.startswith("{-", at):
            self.block_comment(at)
        elif source.startswith("--", at):
            line_end = source.find("\n", at)
            self.at = len(source) if line_end < 0 else line_end
        elif char == "(":
            self.open_level(at)
            self.at = self.skip_shebangs(at + 1)
        elif char == "[":
            self.open_level(at)
        elif char in ")]":
            self.close_level()
        elif char == "{":
            self.stack[-1].braces += 1
            self.open_level(at)
        elif char == "}":
            self.close_brace(at)
        elif char == '"':
            self.stack.append(_Literal(at, double_quoted=True))
        elif source.startswith("''", at):
            self.stack.append(_Literal(at, double_quoted=False))
            self.at = at + 2
        elif char == "`":
            label = _QUOTED_LABEL.match(source, at)
            self.at = label.end() if label else at + 1
        elif char.isalpha() or char == "_":
            self.label(at)
        else:
            self.path(at)

    def block_comment(self, opened_at: int) -> None:
        """Skip a `{- -}` comment and the comments nested in it."""
        depth, at = 1, opened_at + 2
        while depth:
            mark = _BLOCK_COMMENT_MARK.search(self.source, at)
            if mark is None:
                self.unclear(opened_at, "this comment {- is not closed")
                return
            depth += 1 if mark.group() == "{-" else -1
            self.deeper(mark.start(), _COMMENT_LEVELS, depth)
            at = mark.end()
        self.at = at

    def close_brace(self, at: int) -> None:
        """Close a record brace, or an interpolation whose content cannot end its literal."""
        code = self.stack[-1]
        if code.braces:
            code.braces -= 1
            self.close_level()
            return
        if code.opened_at is None:
            return
        self.stack.pop()
        self.depth -= 1 + code.levels
        literal = self.stack[-1]
        content = self.source[code.opened_at + 2 : at]
        ends = _ENDS_DOUBLE_QUOTED if literal.double_quoted else _ENDS_SINGLE_QUOTED
        if any(end in content for end in ends):
            # Dhall reads an interpolation that does not parse as text, which could end the
            # literal inside it: which one applies takes a full parse to know.
            self.unclear(
                code.opened_at,
                f"an interpolation ${{…}} in a text literal holds {_either(ends)}, so Dhall could "
                "read it as text (bind its expression with let and interpolate the name)",
            )

    def label(self, at: int) -> None:
        """Read a label or keyword: `missing`, `as`, `using`, `env:`, `sha256:` and URLs."""
        source = self.source
        end = _LABEL.match(source, at).end()
        word, glued = source[at:end], source[end : end + 2]
        self.at = end
        if word in _KEYWORD_FORMS:
            self.add(at, _KEYWORD_FORMS[word], after=end)
        elif word == "as":
            target = _AS_TARGET.match(source, end)
            if target:
                self.add(at, f"as {target[1]}", after=target.end())
            else:
                self.add(at, "as", after=end)
        elif word == "env" and glued[:1] == ":" and _value_follows(glued[1:]):
            self.add(at, "env:", _ENV_REST, after=end + 1)
        elif word == "sha256" and glued[:1] == ":" and _value_follows(glued[1:]):
            self.add(at, "sha256:", _HASH_REST, after=end + 1)
        elif word.lower() in _SCHEMES and source.startswith("://", end):
            self.add(at, _SCHEMES[word.lower()], _URL_REST, after=end + 3)

    def path(self, at: int) -> None:
        """Read a path import (`./`, `../`, `~/`, `/`) or step over an operator."""
        source = self.source
        for prefix in ("../", "./", "~/"):
            if source.startswith(prefix, at):
                self.add(at, prefix, _PATH_REST, after=at + len(prefix))
                return
        if source[at] != "/":
            return
        # `//`, `//\\` and `/\` are operators; any other slash in code starts an absolute path.
        for operator in ("//\\\\", "//", "/\\"):
            if source.startswith(operator, at):
                self.at = at + len(operator)
                return
        self.add(at, "/", _PATH_REST, after=at + 1)

    def double_quoted(self) -> None:
        """Go on to the end, an escape or an interpolation of a "…" literal."""
        mark = _DOUBLE_QUOTED_MARK.search(self.source, self.at)
        if mark is None:
            self.at = len(self.source)
            return
        at, char = mark.start(), mark.group()
        self.at = at + (2 if char == "\\" else 1)
        if char == '"':
            self.stack.pop()
        elif char == "${":
            self.open_interpolation(at)

    def single_quoted(self) -> None:
        """Go on to the end, an escape or an interpolation of a '' … '' literal."""
        source = self.source
        mark = _SINGLE_QUOTED_MARK.search(source, self.at)
        if mark is None:
            self.at = len(source)
            return
        at = mark.start()
        # The grammar's order: interpolation, the escapes ''' and ''${, then '' (the end).
        if mark.group() == "${":
            self.open_interpolation(at)
        elif source.startswith("'''", at):
            self.at = at + 3
        elif source.startswith("''${", at):
            self.at = at + 4
        else:
            self.stack.pop()
            self.at = at + 2

    def open_interpolation(self, at: int) -> None:
        """Enter the code of a `${…}` interpolation."""
        self.depth += 1
        self.deeper(at, _CODE_LEVELS, self.depth)
        self.stack.append(_Code(opened_at=at))
        self.at = self.skip_shebangs(at + 2)


def _value_follows(following: str) -> bool:
    """Whether `env:`/`sha256:` is glued to a value (`env:HOME`), unlike `{ env: Text }`."""
    return bool(following) and not following.isspace() and following not in "{-"


def _either(texts: tuple[str, ...]) -> str:
    """`a, b or c`."""
    return ", ".join(texts[:-1]) + " or " + texts[-1]
