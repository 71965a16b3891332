package org.conntrack4j.rules.nft;

import java.util.ArrayList;
import java.util.List;

import org.conntrack4j.rules.nft.Lexer.Kind;
import org.conntrack4j.rules.nft.Lexer.Token;

/**
 * The tokens of one text with lookahead, and the small expectations the grammar shares ({@code expect},
 * names, text). Every method either consumes what it expects or throws a syntax error at the token it found.
 */
final class TokenStream {

    /** Maximum length of table/chain/object names (NFT_NAME_MAXLEN 256, including the NUL). */
    private static final int MAX_NAME = 255;

    final String source;
    final String text;
    private final Lexer lexer;
    private final List<Token> lookahead = new ArrayList<>();

    TokenStream(String source, String text) {
        this.source = source;
        this.text = text;
        this.lexer = new Lexer(source, text);
    }

    Token peek() throws RulesetParseException {
        return peek(0);
    }

    Token peek(int k) throws RulesetParseException {
        while (lookahead.size() <= k) {
            lookahead.add(lexer.next());
        }
        return lookahead.get(k);
    }

    Token next() throws RulesetParseException {
        Token t = peek();
        lookahead.remove(0);
        return t;
    }

    SourcePos pos(Token t) {
        return new SourcePos(source, t.line(), t.column());
    }

    RulesetParseException err(Token t, String msg) {
        return new RulesetParseException(source, t.line(), t.column(), msg);
    }

    void skipSeparators() throws RulesetParseException {
        while (peek().isTerminator()) {
            next();
        }
    }

    /**
     * Inside a block ({@code table}, {@code chain}, {@code ct helper}): skips separators, then consumes and returns the
     * closing brace if it is next, or returns null when another item follows; at the end of input it throws
     * "'}' missing for {@code block}".
     */
    Token closingBrace(String block) throws RulesetParseException {
        skipSeparators();
        Token t = peek();
        if (t.kind() == Kind.RBRACE) {
            return next();
        }
        if (t.kind() == Kind.EOF) {
            throw err(t, "unexpected end of input: '}' missing for " + block);
        }
        return null;
    }

    /**
     * After an element of a list in braces ({@code { a, b }}): true when another element follows (its ',' read),
     * false at the closing '}' (read; a ',' before it is allowed, as nft allows it).
     */
    boolean moreInBraces(String list) throws RulesetParseException {
        skipNewlines();
        Token sep = peek();
        if (sep.kind() == Kind.COMMA) {
            next();
            skipNewlines();
            if (peek().kind() != Kind.RBRACE) {
                return true;
            }
            next();
            return false;
        }
        if (sep.kind() == Kind.RBRACE) {
            next();
            return false;
        }
        throw err(sep, "expected ',' or '}' in " + list + ", found " + sep.describe());
    }

    void skipNewlines() throws RulesetParseException {
        while (peek().kind() == Kind.NEWLINE) {
            next();
        }
    }

    Token expect(Kind kind, String what) throws RulesetParseException {
        Token t = peek();
        if (t.kind() != kind) {
            throw err(t, "expected " + what + ", found " + t.describe());
        }
        return next();
    }

    Token expectWord(String what) throws RulesetParseException {
        return expect(Kind.WORD, what);
    }

    void requireTerminator(String after) throws RulesetParseException {
        Token t = peek();
        if (!t.isTerminator()) {
            throw err(t, "expected newline or ';' after " + after + ", found " + t.describe());
        }
    }

    /** A table, chain or object name: nft's identifier syntax, not a keyword, not quoted. */
    Token expectName(String what) throws RulesetParseException {
        Token t = peek();
        if (t.kind() == Kind.STRING) {
            throw err(t, what + " must not be quoted (nft does not accept quoted names here)");
        }
        if (t.kind() != Kind.WORD) {
            throw err(t, "expected " + what + ", found " + t.describe());
        }
        checkName(t, what);
        return next();
    }

    private void checkName(Token t, String what) throws RulesetParseException {
        String s = t.text();
        char c0 = s.charAt(0);
        boolean ok = Character.isLetter(c0) && c0 < 128 || c0 == '_' || c0 == '.';
        for (int i = 1; ok && i < s.length(); i++) {
            char c = s.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-' || c == '/';
        }
        if (!ok) {
            throw err(t, "invalid " + what + " \"" + Lexer.abbreviate(s) + "\" (a name starts with a letter, '_' or"
                    + " '.' and continues with letters, digits, '_', '.', '-' or '/')");
        }
        if (s.length() > MAX_NAME) {
            throw err(t, what + " longer than " + MAX_NAME + " characters");
        }
        if (Symbols.RESERVED.contains(s)) {
            throw err(t, "\"" + s + "\" is an nft keyword and cannot be used as " + what);
        }
    }

    /** A quoted string or an unquoted word that is not an nft keyword (nft would not read a keyword there). */
    Token expectText(String what) throws RulesetParseException {
        Token v = peek();
        if (v.kind() != Kind.STRING && v.kind() != Kind.WORD) {
            throw err(v, "expected " + what + ", found " + v.describe());
        }
        if (v.kind() == Kind.WORD && Symbols.RESERVED.contains(v.text())) {
            throw err(v, "expected " + what + ", found keyword \"" + v.text() + "\" (quote it to use it as text)");
        }
        return next();
    }
}
