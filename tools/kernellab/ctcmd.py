"""The conntrack command against the kernel: sessions of conntrack 1.4.7 commands (-I, -U, -L, -G, -D, -C) run one
after another in a network namespace of their own, each with what it printed on standard output and standard error,
its exit status and when it ran. The shell's CtSessionTest runs the same commands through ct:* on an engine whose
clock follows the recorded times, and compares the text.

    python3 -m tools.kernellab ctcmd [SESSION...] [--out DIR]    (default DIR: testdata/probes/ctcmd)

A session `enobufs` records instead what conntrack -E prints when its socket overflows (events.txt).

Format of DIR/SESSION/session.txt: a comment line, `% sysctl NAME VALUE` for each net.netfilter setting the session
sets first, `& ARGS` for a command started before the others and interrupted (SIGINT) after them (conntrack -E; its
output is the session's last step, `$ ARGS`), then per command `$ ARGS` (conntrack's arguments, separated by single blanks), `@ SECONDS` since the
session's first command, `~ NANOSECONDS` of the wall clock when it started, `? STATUS`, then `> LINE` per line of
standard output and `! LINE` per line of standard error. conntrack runs with TZ=UTC (it prints local times).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .capture import labelled_conntrack

TCP = "-p tcp -s 192.0.2.1 -d 198.51.100.2 --sport 40000 --dport 80"
UDP = "-p udp -s 192.0.2.1 -d 198.51.100.2 --sport 40001 --dport 53"

SESSIONS = {
    # conntrack -I: what it creates, what it refuses and with which words; then the table as the other commands show it
    "create": [
        "-I " + TCP + " --state ESTABLISHED --timeout 100 -m 7",
        "-I " + TCP + " --state ESTABLISHED --timeout 100",
        "-I " + UDP + " --timeout 50 -u ASSURED --zone 3",
        "-I -p udp -s 192.0.2.1 -d 198.51.100.2 --sport 40002 --dport 53 -r 198.51.100.9 -q 192.0.2.1"
        " --reply-port-src 5353 --reply-port-dst 40002 --timeout 60",
        "-I -p udp -s 192.0.2.7 -d 198.51.100.9 --sport 40002 --dport 5353 --timeout 60",
        "-I -p icmp -s 192.0.2.1 -d 198.51.100.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 --timeout 30",
        "-I -p udp -s 2001:db8::1 -d 2001:db8::2 --sport 40003 --dport 123 --timeout 40 --label-add 3",
        "-I -p tcp -s 192.0.2.1 -d 198.51.100.2 --sport 40004 --dport 22 --state TIME_WAIT --timeout 120 --orig-zone 5",
        "-I " + TCP + " --timeout 100",
        "-I -p udp -s 192.0.2.1 -d 198.51.100.2 --sport 1 --dport 2",
        "-I -s 192.0.2.1 -d 198.51.100.2 --timeout 10",
        "-I " + UDP + " --timeout 10 -o xml",
        "-I " + UDP + " --timeout 10 --bogus",
        "-I -p udp -s 192.0.2.1 -d 198.51.100.2 --timeout 10",
        "-I -p icmp -s 192.0.2.1 -d 198.51.100.2 --icmp-code 0 --timeout 10",
        "-L",
        "-L -o extended,labels",
        "-L -o xml,labels",
        "-C",
        "-G " + TCP,
        "-G -p udp -s 2001:db8::1 -d 2001:db8::2 --sport 40003 --dport 123 -o labels",
        "-D -p udp --dport 5353",
        "-L -p tcp",
        "-S",
        "-F",
        "-C",
    ],
    # conntrack -L's --label filter, -G of an ICMP tuple, what -D prints with -o labels
    "filters": [
        "-I " + UDP + " --timeout 50 --label-add 3",
        "-I -p udp -s 192.0.2.1 -d 198.51.100.2 --sport 40002 --dport 53 --timeout 50 --label-add 3,4",
        "-I -p udp -s 192.0.2.1 -d 198.51.100.2 --sport 40003 --dport 53 --timeout 50",
        "-I -p icmp -s 192.0.2.1 -d 198.51.100.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 --timeout 30",
        "-L -l 3",
        "-L -l 3,4",
        "-L -l 3 -l 4",
        "-L -l 99",
        "-G -p icmp -s 192.0.2.1 -d 198.51.100.2 --icmp-type 8 --icmp-code 0 --icmp-id 77",
        "-G -p icmp -s 192.0.2.1 -d 198.51.100.2 --icmp-type 8 --icmp-code 0",
        "-G -p icmp -s 192.0.2.1 -d 198.51.100.2 --icmp-code 0 --icmp-id 77",
        "-G -p udp -s 192.0.2.1 -d 198.51.100.2 --icmp-type 8",
        "-D -l 4 -o labels",
        "-L -o labels",
    ],
    # nf_conntrack_timestamp: delta-time= always, -o ktimestamp's start time in -L, not in -G or -D
    "ktimestamp": [
        "% sysctl nf_conntrack_timestamp 1",
        "-I " + UDP + " --timeout 50",
        "-I " + TCP + " --state ESTABLISHED --timeout 100",
        "-L -o ktimestamp",
        "-L -o ktimestamp,extended",
        "-L",
        "-G " + UDP + " -o ktimestamp",
        "-D -p tcp -o ktimestamp",
    ],
    # conntrack -E (started first, "& ...", stopped with SIGINT after the last command) while the others change the table
    "events": [
        "& -E -o extended,labels",
        "-I " + UDP + " --timeout 50 -m 3",
        "-I " + TCP + " --state ESTABLISHED --timeout 100 --label-add 2",
        "-U -s 192.0.2.1 -p udp -m 9",
        "-U -s 192.0.2.1 -p tcp --label-add 7",
        "-U -s 192.0.2.1 -p udp -u ASSURED",
        "-D -p tcp",
        "-F",
    ],
    # conntrack -U on one entry at a time (with several, conntrack 1.4.7 printed only the first it changed)
    "update": [
        "-I " + TCP + " --state ESTABLISHED --timeout 100",
        "-I " + UDP + " --timeout 50",
        "-U -s 192.0.2.1 -p tcp -m 6",
        "-U -s 192.0.2.1 -p tcp -m 6",
        # not -m with -u: conntrack 1.4.7's -u overwrites the value of an -m before it with the status bits
        "-U -s 192.0.2.1 -p udp -m 0x10/0xf0 --timeout 20",
        "-U -s 192.0.2.1 -p udp -u ASSURED",
        "-U -f ipv4 -p tcp -m 1/0x1",
        "-U -f ipv4 -p udp --label-add 5,9",
        "-U -s 192.0.2.1 -p udp --label-del 9",
        "-U -s 192.0.2.1 -p udp -u SEEN_REPLY -o labels",
        "-U -s 192.0.2.99 -m 1",
        "-U -s 192.0.2.1 --zone 3 -m 1",
        "-L -o extended,labels",
    ],
}


# A rule that reads ct labels: without one Linux gives connections no labels extension (nf_connlabels_get), and
# conntrack -I --label-add is ignored, -U --label-add fails with ENOSPC. conntrack4j always keeps labels.
LABELS_USER = "table inet kl_labels {\n\tchain c {\n\t\tct label 127 counter\n\t}\n}\n"


def record(name, commands, out):
    ns = "kl%dct-%s" % (os.getpid(), name)
    work = tempfile.mkdtemp(prefix="kl-ctcmd-")
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=LABELS_USER, text=True, check=True)
        lines = ["# conntrack 1.4.7 on Linux %s, in a network namespace of its own with a rule reading ct labels"
                 % os.uname().release]
        for cmd in commands:
            if cmd.startswith("% sysctl "):
                key, value = cmd.split(" ")[2:4]
                subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.netfilter.%s=%s" % (key, value)],
                               check=True)
                lines.append(cmd)
        start = None
        env = dict(os.environ, TZ="UTC")
        background = [c for c in commands if c.startswith("& ")]
        bg = None
        if background:
            lines.append(background[0])
            bg_out = tempfile.TemporaryFile("w+")
            bg_err = tempfile.TemporaryFile("w+")
            # nsenter execs conntrack itself (no ip netns exec in between), so SIGINT reaches it
            bg = subprocess.Popen(["nsenter", "--net=/run/netns/" + ns] + labelled_conntrack(work)
                                  + background[0][2:].split(" "), stdout=bg_out, stderr=bg_err, text=True, env=env)
            time.sleep(0.5)
        for cmd in [c for c in commands if not c.startswith(("% ", "& "))]:
            # The replay sets its clock to when each command started; the kernel acted some milliseconds later. So
            # that whole seconds come out the same (timeouts left, timestamps, delta-time), each kind of command
            # starts at its own fraction of a wall-clock second: -I (sets timeouts) at 0.1, -U --timeout (sets them,
            # prints only what it set) at 0.25, other -U (prints) at 0.55, the rest (print) at 0.8. A time set and a
            # time printed are then at least 0.25 s from a whole number of seconds apart, and the kernel's moment
            # (some milliseconds later) is in the same second
            slot = (0.1 if cmd.startswith("-I") else 0.25 if cmd.startswith("-U") and "--timeout" in cmd
                    else 0.55 if cmd.startswith("-U") else 0.8)
            frac = time.time_ns() % 1_000_000_000 / 1e9
            time.sleep((slot - frac) % 1.0 or 1.0)
            now = time.monotonic()
            wall = time.time_ns()
            start = start if start is not None else now
            p = subprocess.run(["ip", "netns", "exec", ns] + labelled_conntrack(work) + cmd.split(" "),
                               capture_output=True, text=True, env=env)
            lines.append("$ " + cmd)
            lines.append("@ %.6f" % (now - start))
            lines.append("~ %d" % wall)
            lines.append("? %d" % p.returncode)
            lines += ["> " + l for l in p.stdout.splitlines()]
            lines += ["! " + l for l in p.stderr.splitlines()]
        if bg is not None:
            time.sleep(0.5)
            bg.send_signal(signal.SIGINT)
            bg.wait(10)
            bg_out.seek(0)
            bg_err.seek(0)
            lines.append("$ " + background[0][2:])
            lines.append("? %d" % bg.returncode)
            lines += ["> " + l for l in bg_out.read().splitlines()]
            lines += ["! " + l for l in bg_err.read().splitlines()]
        os.makedirs(os.path.join(out, name), exist_ok=True)
        with open(os.path.join(out, name, "session.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
    finally:
        subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(work, ignore_errors=True)


FLOOD = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"x", ("127.0.0.1", int(sys.argv[2]) + i))
"""


def record_enobufs(out):
    """conntrack -E whose socket overflows: the reader is stopped while 3000 new UDP flows are made on the loopback
    (a rule asking for ct state makes conntrack track them), then goes on, and 3 more flows follow. Its standard
    output and error in the order it wrote them (events.txt): ENOBUFS's warning first, then the events its buffer
    held, then the later ones."""
    ns = "kl%dct-enobufs" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], check=True, text=True,
                       input="table inet kl_track {\n\tchain o {\n\t\ttype filter hook output priority 0;\n"
                             "\t\tct state new counter\n\t}\n}\n")
        log = os.path.join(out, "enobufs", "events.txt")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log + ".raw", "w") as f:
            # nsenter execs conntrack itself, so the signals reach it
            p = subprocess.Popen(["nsenter", "--net=/run/netns/" + ns, "stdbuf", "-oL", "conntrack", "-E", "-e", "NEW"],
                                 stdout=f, stderr=subprocess.STDOUT)
            time.sleep(0.3)
            p.send_signal(signal.SIGSTOP)
            subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", FLOOD, "3000", "10000"], check=True)
            p.send_signal(signal.SIGCONT)
            time.sleep(0.5)
            subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", FLOOD, "3", "20000"], check=True)
            time.sleep(0.3)
            p.send_signal(signal.SIGINT)
            p.wait(10)
        with open(log + ".raw") as f:
            text = f.read()
        os.remove(log + ".raw")
        with open(log, "w") as f:
            f.write("# conntrack -E -e NEW on Linux %s: stopped during 3000 new flows to 127.0.0.1:10000-12999, then "
                    "3 more to :20000-20002; standard output and error as written\n" % os.uname().release + text)
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def main(args):
    out = "testdata/probes/ctcmd"
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        args = args[:i] + args[i + 2:]
    for name in args or sorted(SESSIONS) + ["enobufs"]:
        if name == "enobufs":
            record_enobufs(out)
            print("recorded", os.path.join(out, name))
            continue
        if name not in SESSIONS:
            sys.exit("unknown session %s (have: %s)" % (name, " ".join(sorted(SESSIONS))))
        record(name, SESSIONS[name], out)
        print("recorded", os.path.join(out, name))
