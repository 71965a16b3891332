package org.conntrack4j.rules.nft;

/**
 * Splits ruleset text into tokens. Words are runs of letters, digits and {@code _ . : / - * +}; what a word means
 * (keyword, name, number, address, range, port) is decided by the parser from its position, the way nft resolves
 * symbols by their expected type. Newlines are tokens because they end statements. {@code #} starts a comment to
 * the end of the line, a backslash before a newline joins lines, and strings are {@code "..."} without escapes
 * (as in nft) and may not span lines. Comments and strings may hold any character, and any byte that is not UTF-8
 * (see {@link SourceText}); elsewhere only ASCII is read, as by nft's scanner. Columns count bytes, as nft's do.
 */
final class Lexer {

    enum Kind {
        WORD, STRING, NEWLINE, SEMICOLON, LBRACE, RBRACE, LBRACKET, RBRACKET, COMMA, PIPE, ASSIGN, AMP, AT,
        EQ, NE, LT, GT, LE, GE, EOF
    }

    /** A token; {@code start}/{@code end} are offsets into the text, {@code text} is a string's content. */
    record Token(Kind kind, String text, int line, int column, int start, int end) {
        boolean isWord(String w) {
            return kind == Kind.WORD && text.equals(w);
        }

        boolean isTerminator() {
            return kind == Kind.NEWLINE || kind == Kind.SEMICOLON;
        }

        /** How the token is shown in error messages. */
        String describe() {
            switch (kind) {
                case WORD:
                    return "\"" + Lexer.abbreviate(text) + "\"";
                case STRING:
                    return "string \"" + Lexer.abbreviate(text) + "\"";
                case NEWLINE:
                    return "end of line";
                case EOF:
                    return "end of input";
                default:
                    return "'" + text + "'";
            }
        }
    }

    /** Longest word or string accepted; nothing in the subset comes close. */
    static final int MAX_TOKEN_LENGTH = 4096;

    private final String source;
    private final String text;
    private int pos;
    private int line = 1;
    private int column = 1;

    Lexer(String source, String text) {
        this.source = source;
        this.text = text;
    }

    static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                || c == ':' || c == '/' || c == '-' || c == '*' || c == '+';
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private RulesetParseException error(int l, int c, String msg) {
        return new RulesetParseException(source, l, c, msg);
    }

    private void advance() {
        if (text.charAt(pos) == '\n') {
            line++;
            column = 1;
        } else {
            column += SourceText.width(text, pos);
        }
        pos++;
    }

    Token next() throws RulesetParseException {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t') {
                advance();
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    if (text.charAt(pos) == '\0') {
                        throw error(line, column, "NUL character in comment");
                    }
                    advance();
                }
            } else if (c == '\\') {
                if (pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
                    advance();
                    advance();
                } else {
                    throw error(line, column, "stray '\\' (a backslash may only continue a line)");
                }
            } else {
                break;
            }
        }
        int l = line;
        int col = column;
        int start = pos;
        if (pos >= text.length()) {
            return new Token(Kind.EOF, "", l, col, start, start);
        }
        char c = text.charAt(pos);
        if (isWordChar(c)) {
            while (pos < text.length() && isWordChar(text.charAt(pos))) {
                if (pos - start >= MAX_TOKEN_LENGTH) {
                    throw error(l, col, "word longer than " + MAX_TOKEN_LENGTH + " characters");
                }
                advance();
            }
            return new Token(Kind.WORD, text.substring(start, pos), l, col, start, pos);
        }
        if (c == '"') {
            advance();
            int contentStart = pos;
            while (true) {
                if (pos >= text.length() || text.charAt(pos) == '\n') {
                    throw error(l, col, "unterminated string (a string must end with '\"' on the same line)");
                }
                char d = text.charAt(pos);
                if (d == '"') {
                    break;
                }
                if (d == '\0') {
                    throw error(line, column, "NUL character in string");
                }
                if (d == '\r') {
                    throw error(line, column, "carriage return in string");
                }
                if (pos - contentStart >= MAX_TOKEN_LENGTH) {
                    throw error(l, col, "string longer than " + MAX_TOKEN_LENGTH + " characters");
                }
                advance();
            }
            String content = text.substring(contentStart, pos);
            advance();
            return new Token(Kind.STRING, content, l, col, start, pos);
        }
        Kind kind;
        int len = 1;
        switch (c) {
            case '\n':
                kind = Kind.NEWLINE;
                break;
            case ';':
                kind = Kind.SEMICOLON;
                break;
            case '{':
                kind = Kind.LBRACE;
                break;
            case '}':
                kind = Kind.RBRACE;
                break;
            case '[':
                kind = Kind.LBRACKET;
                break;
            case ']':
                kind = Kind.RBRACKET;
                break;
            case ',':
                kind = Kind.COMMA;
                break;
            case '|':
                kind = Kind.PIPE;
                break;
            case '=':
                kind = peekIs(1, '=') ? Kind.EQ : Kind.ASSIGN;
                len = kind == Kind.EQ ? 2 : 1;
                break;
            case '&':
                kind = Kind.AMP;
                break;
            case '!':
                if (peekIs(1, '=')) {
                    kind = Kind.NE;
                    len = 2;
                    break;
                }
                throw error(l, col, "unexpected '!' (the negation operator is '!=')");
            case '<':
                kind = peekIs(1, '=') ? Kind.LE : Kind.LT;
                len = kind == Kind.LE ? 2 : 1;
                break;
            case '>':
                kind = peekIs(1, '=') ? Kind.GE : Kind.GT;
                len = kind == Kind.GE ? 2 : 1;
                break;
            case '$':
                throw error(l, col, "variables ($name) are not supported");
            case '@':
                kind = Kind.AT;
                break;
            case '\r':
                throw error(l, col, "unexpected carriage return (nft does not accept CRLF line endings)");
            case '\0':
                throw error(l, col, "unexpected NUL character");
            default:
                if (SourceText.isRawByte(text, pos)) {
                    throw error(l, col, String.format("invalid UTF-8 byte 0x%02X (only comments and strings may"
                            + " hold bytes outside ASCII)", SourceText.rawByte(c)));
                }
                throw error(l, col, "unexpected character " + describeChar(text.codePointAt(pos)));
        }
        for (int i = 0; i < len; i++) {
            advance();
        }
        return new Token(kind, text.substring(start, pos), l, col, start, pos);
    }

    private boolean peekIs(int ahead, char c) {
        return pos + ahead < text.length() && text.charAt(pos + ahead) == c;
    }

    private static String describeChar(int c) {
        if (c >= 0x21 && c < 0x7f) {
            return "'" + (char) c + "'";
        }
        return String.format("U+%04X", c);
    }
}
