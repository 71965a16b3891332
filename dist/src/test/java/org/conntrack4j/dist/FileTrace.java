package org.conntrack4j.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file system calls of a program and its children, from strace: which paths they changed (created, wrote,
 * removed, renamed, linked, chmod-ed) and which they opened at all. strace runs with {@code -f} (children and
 * threads), {@code -z} (only calls that succeeded) and {@code -y} (a descriptor is printed with its path, so that
 * a path relative to a folder descriptor can be resolved).
 */
final class FileTrace {
    /** The calls traced: every one that names a path and can change the file system, and open for reading. */
    static final String CALLS = "open,openat,openat2,creat,mkdir,mkdirat,unlink,unlinkat,rmdir,rename,renameat,"
        + "renameat2,link,linkat,symlink,symlinkat,truncate,chmod,fchmodat,chown,lchown,fchownat,utimensat,mknod,"
        + "mknodat";

    /** For each call: the positions of the path arguments it changes; a negative position is a folder descriptor
     *  followed by the path. Open calls are decided by their flags. */
    private static final Map<String, int[]> CHANGES = Map.ofEntries(
        Map.entry("creat", new int[] {0}),
        Map.entry("mkdir", new int[] {0}), Map.entry("mkdirat", new int[] {-1}),
        Map.entry("unlink", new int[] {0}), Map.entry("unlinkat", new int[] {-1}), Map.entry("rmdir", new int[] {0}),
        Map.entry("rename", new int[] {0, 1}), Map.entry("renameat", new int[] {-1, -3}),
        Map.entry("renameat2", new int[] {-1, -3}),
        Map.entry("link", new int[] {1}), Map.entry("linkat", new int[] {-3}),
        Map.entry("symlink", new int[] {1}), Map.entry("symlinkat", new int[] {-2}),
        Map.entry("truncate", new int[] {0}), Map.entry("chmod", new int[] {0}), Map.entry("fchmodat", new int[] {-1}),
        Map.entry("chown", new int[] {0}), Map.entry("lchown", new int[] {0}), Map.entry("fchownat", new int[] {-1}),
        Map.entry("utimensat", new int[] {-1}),
        Map.entry("mknod", new int[] {0}), Map.entry("mknodat", new int[] {-1}));

    private static final Pattern CALL = Pattern.compile("^\\d+\\s+(\\w+)\\((.*)\\)\\s+=\\s+.*$");
    private static final Pattern DIR_FD = Pattern.compile("^(?:AT_FDCWD|\\d+)<(.*)>$");

    /** Paths the program changed, absolute; a path that could not be resolved is given as "?name". */
    final List<String> changed = new ArrayList<>();
    /** Paths the program opened for reading only, absolute where known. */
    final List<String> read = new ArrayList<>();

    static List<String> command(Path log) {
        return List.of("strace", "-f", "-qq", "-z", "-y", "-o", log.toString(), "-e", "trace=" + CALLS);
    }

    static FileTrace parse(Path log) throws IOException {
        FileTrace t = new FileTrace();
        for (String line : Files.readAllLines(log)) {
            Matcher m = CALL.matcher(line);
            if (m.matches()) {
                t.add(m.group(1), split(m.group(2)));
            }
        }
        return t;
    }

    private void add(String call, List<String> args) {
        if (call.startsWith("open")) {
            boolean at = !call.equals("open");
            String path = resolve(args, at ? -1 : 0);
            String flags = args.size() > (at ? 2 : 1) ? args.get(at ? 2 : 1) : "";
            if (flags.matches(".*\\b(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC)\\b.*")) {
                changed.add(path);
            } else {
                read.add(path);
            }
            return;
        }
        int[] positions = CHANGES.get(call);
        if (positions == null) {
            return;
        }
        for (int pos : positions) {
            if (pos < 0 && args.get(-pos).equals("NULL")) {
                continue;   // utimensat on a descriptor
            }
            changed.add(resolve(args, pos));
        }
    }

    /** The path at {@code pos}, or (negative) the path after the folder descriptor at {@code -pos - 1}. */
    private static String resolve(List<String> args, int pos) {
        String path = unquote(args.get(pos < 0 ? -pos : pos));
        if (path.startsWith("/")) {
            return Path.of(path).normalize().toString();
        }
        if (pos < 0) {
            Matcher d = DIR_FD.matcher(args.get(-pos - 1));
            if (d.matches()) {
                return Path.of(d.group(1)).resolve(path).normalize().toString();
            }
        }
        return "?" + path;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** The top-level arguments of a call, split at commas outside quotes, brackets and descriptor paths. */
    static List<String> split(String args) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < args.length()) {
                    cur.append(c).append(args.charAt(++i));
                    continue;
                }
                if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '{' || c == '[' || c == '<') {
                depth++;
            } else if (c == '}' || c == ']' || c == '>') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(cur.toString().trim());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        if (cur.length() > 0) {
            out.add(cur.toString().trim());
        }
        return out;
    }
}
