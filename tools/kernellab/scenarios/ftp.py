"""The FTP helper: active and passive sessions, odd and pipelined commands, expectations, NAT and DNAT."""
import contextlib
import ftplib
import os
import socket
import subprocess
import tempfile
import time

from ..registry import scenario
from ..traffic import C1, C1_6, C2, LSRV, RTR_WAN, SRV, SRV_6, WCLI, side_of
from .common import GAP, MASQ_TEXT, NAT6, Puppet, close_pair, connect_nb, deliver, dnat_and_masq, input_table


VSFTPD_CONF = """listen={listen}
listen_ipv6={listen6}
listen_address{v6}={addr}
listen_port=21
anonymous_enable=YES
no_anon_password=YES
local_enable=NO
write_enable=NO
anon_root={root}
connect_from_port_20=YES
ftp_data_port=20
port_enable=YES
pasv_enable=YES
pasv_min_port={pmin}
pasv_max_port={pmax}
seccomp_sandbox=NO
isolate_network=NO
isolate=NO
background=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
dirmessage_enable=NO
use_localtime=NO
"""


def vsftpd(net, addr=SRV, pasv=(31000, 31009), size=5000):
    d = tempfile.mkdtemp(prefix="recftp")
    net.lab.tmpdirs.append(d)
    root = os.path.join(d, "root")
    os.makedirs(root)
    os.chmod(d, 0o755)
    os.chmod(root, 0o555)
    with open(os.path.join(root, "file.bin"), "wb") as f:
        f.write(bytes((i * 31) & 0xFF for i in range(size)))
    with open(os.path.join(root, "readme.txt"), "w") as f:
        f.write("hello ftp\n")
    v6 = ":" in addr
    conf = os.path.join(d, "vsftpd.conf")
    with open(conf, "w") as f:
        f.write(VSFTPD_CONF.format(listen="NO" if v6 else "YES", listen6="YES" if v6 else "NO",
                                   v6="6" if v6 else "", addr=addr, root=root, pmin=pasv[0], pmax=pasv[1]))
    net.lab.popen("wan", ["vsftpd", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)


def _ftp_session(net, src, dst, modes, pause=0.3):
    """modes: list of 'PORT', 'EPRT', 'PASV', 'EPSV', 'RETR-PASV', 'RETR-PORT'."""
    with net.lab.inns(side_of(src)):
        f = ftplib.FTP()
        f.af = socket.AF_INET6 if ":" in dst else socket.AF_INET
        f.sock = None
    f.source_address = (src, 0)
    # connect must create its socket inside the namespace
    with net.lab.inns(side_of(src)):
        f.connect(dst, 21, timeout=5)
        f.login()
        for m in modes:
            f.set_pasv(m in ("PASV", "EPSV", "RETR-PASV"))
            if m.startswith("RETR-"):
                data = bytearray()
                f.retrbinary("RETR file.bin", data.extend)
                net.note("RETR via %s: %d bytes" % (m[len("RETR-"):], len(data)))
            elif m in ("PORT", "EPRT"):
                sock = _ftp_listen(f, eprt=(m == "EPRT"))
                time.sleep(pause)
                f.sendcmd("LIST")
                conn, _ = sock.accept()
                body = _read_to_end(conn)
                conn.close()
                sock.close()
                net.note("%s LIST %d bytes; %s" % (m, len(body), f.voidresp()))
            else:
                resp = f.sendcmd(m)
                host, port = ftplib.parse227(resp) if m == "PASV" else ftplib.parse229(resp, f.sock.getpeername())
                time.sleep(pause)
                c = socket.create_connection((host, port), timeout=5, source_address=(src, 0))
                f.sendcmd("LIST")
                body = _read_to_end(c)
                c.close()
                net.note("%s -> %s LIST %d bytes; %s" % (m, resp, len(body), f.voidresp()))
            time.sleep(GAP)
        f.quit()


def _read_to_end(sock):
    """Everything a connection brings until the peer closes it."""
    body = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return body
        body += chunk


def _ftp_listen(f, eprt):
    fam = socket.AF_INET6 if ":" in f.sock.getsockname()[0] else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.bind((f.sock.getsockname()[0], 0))
    sock.listen(1)
    host, port = sock.getsockname()[:2]
    if eprt or fam == socket.AF_INET6:
        f.sendcmd("EPRT |%d|%s|%d|" % (2 if fam == socket.AF_INET6 else 1, host, port))
    else:
        f.sendcmd("PORT " + ",".join(host.split(".") + [str(port >> 8), str(port & 0xFF)]))
    return sock


def _lftp(net, src, cmds):
    """lftp from the LAN host: cmds is (passive mode on/off, commands); {sink} in the commands is a scratch file
    (lftp never finishes a get into /dev/null: it waits to rename or truncate it)."""
    d = tempfile.mkdtemp(prefix="kernellab-lftp")
    net.lab.tmpdirs.append(d)
    script = "set net:timeout 5; set net:max-retries 1; set ftp:passive-mode %s; set ftp:port-range 40300-40309; " \
             "open ftp://anonymous:x@%s; %s; bye" % (cmds[0], SRV,
                                                     cmds[1].replace("{sink}", os.path.join(d, "get.bin")))
    out = net.lab.sh("lan", ["lftp", "-c", script], capture=True, check=False, timeout=20)
    net.note("lftp %s: %s" % (cmds, (out or "").strip()[:200]))


FTP_HELPER = dict(helper=True)


FTP_MASQ = dict(masq=True, helper=True, nat_text=MASQ_TEXT)


@scenario(prepare=lambda net: vsftpd(net), params={"ftp_pasv": [31000, 31009], "ftp_lport": [40300, 40309],
                                                    "ftp_size": 5000}, **FTP_MASQ)
def ftp_active_snat2(net, cap):
    """FTP active mode through masquerade with the ftp helper: lftp (passive off, ports 40300-40309) ls and get
    of a 5000-byte file; then python ftplib from 198.51.100.11: PORT+LIST, EPRT+LIST, RETR via PORT."""
    _lftp(net, C1, ("off", "ls; get file.bin -o {sink}"))
    time.sleep(GAP)
    _ftp_session(net, C2, SRV, ["PORT", "EPRT", "RETR-PORT"])


@scenario(prepare=lambda net: vsftpd(net, pasv=(32000, 32004)), params={"ftp_pasv": [32000, 32004], "ftp_size": 5000},
          **FTP_MASQ)
def ftp_passive_snat2(net, cap):
    """FTP passive mode through masquerade with the ftp helper: lftp PASV ls + get, then ftplib from
    198.51.100.11: PASV+LIST, EPSV+LIST, RETR via PASV."""
    _lftp(net, C1, ("on", "ls; get file.bin -o {sink}"))
    time.sleep(GAP)
    _ftp_session(net, C2, SRV, ["PASV", "EPSV", "RETR-PASV"])


@scenario(prepare=lambda net: vsftpd(net, pasv=(33000, 33009)), params={"ftp_pasv": [33000, 33009]}, **FTP_HELPER)
def ftp_nonat(net, cap):
    """FTP with the ftp helper but no NAT: ftplib PORT+LIST, PASV+LIST, EPRT+LIST, EPSV+LIST, RETR both ways."""
    _ftp_session(net, C1, SRV, ["PORT", "PASV", "EPRT", "EPSV", "RETR-PORT", "RETR-PASV"])


@scenario(prepare=lambda net: vsftpd(net, addr=SRV_6, pasv=(34000, 34009)), params={"ftp_pasv": [34000, 34009]},
          **FTP_HELPER)
def ftp6(net, cap):
    """FTP over IPv6 with the ftp helper (no NAT): ftplib EPRT+LIST, EPSV+LIST, RETR via EPSV and via EPRT."""
    _ftp_session(net, C1_6, SRV_6, ["EPRT", "EPSV", "RETR-PASV", "RETR-PORT"])


@scenario(params={"cport": 45300}, **FTP_MASQ)
def ftp_refused_helper(net, cap):
    """The ftp helper is assigned to SYNs to port 21 but no FTP server runs: two SYNs refused by RST/ACK
    (entries destroyed at once), through masquerade."""
    for cp in (45300, 45301):
        connect_nb(net, C1, cp, SRV, 21, wait=0.2)
        time.sleep(GAP)


class FtpPuppet(Puppet):
    """An FTP control connection whose both ends are scripted python sockets (see Puppet), so the scenario can
    open the data connection where the rewritten text points."""

    def __init__(self, net, src, cport, dst=SRV, user=True, server=None):
        """server: where the server socket really is when the router DNATs ``dst`` to it."""
        super().__init__(net, src, cport, dst, 21, server)
        if user:
            self.reply(b"220 puppet FTP ready\r\n")
            self.cmd(b"USER anonymous\r\n")
            self.reply(b"230 Login successful.\r\n")

    LISTING = b"150 Here comes the directory listing.\r\n"
    SENT = b"226 Directory send OK.\r\n"

    def cmd_ok(self, data, wait=0.4):
        """A PORT or EPRT command and the server's 200 for it; returns the command as the server saw it."""
        got = self.cmd(data, wait)
        self.reply(b"200 %s command successful.\r\n" % data[:4].upper())
        return got

    def pasv(self, addr, port):
        """PASV and a 227 pointing at (addr, port); returns the 227 as the client saw it."""
        self.cmd(b"PASV\r\n")
        return self.reply(pasv_reply(addr, port) + b"\r\n")

    def epsv(self, port, delim=b"|", wait=0.4):
        """EPSV and a 229 naming ``port``; returns the 229 as the client saw it."""
        self.cmd(b"EPSV\r\n")
        return self.reply(epsv_reply(port, delim) + b"\r\n", wait)

    def active_data(self, seen, listener, body=b"-rw-r--r-- 1 ftp ftp 10 file\r\n"):
        """The server opens the data connection from its port 20 to the PORT/EPRT address it saw (``seen``)."""
        self._data("active", self.srv, 20, ftp_addr(seen), listener, body, server_connects=True)

    def passive_data(self, seen, listener, body=b"-rw-r--r-- 1 ftp ftp 10 file\r\n"):
        """The client connects where the 227/229 it saw points (229: the control connection's server)."""
        self._data("passive", self.src, 0, ftp_addr(seen, self.dst), listener, body, server_connects=False)

    def _data(self, mode, src, sport, to, listener, body, server_connects):
        """A data connection from (src, sport) to ``to``, accepted on ``listener``: the server's end sends
        ``body`` and closes first."""
        d = self.net.tcp_socket(src, sport)
        d.settimeout(2)
        try:
            d.connect(to)
            a, _ = listener.accept()
            server, client = (d, a) if server_connects else (a, d)
            deliver(self.net, server, client, body)
            close_pair(server, client, pause=0.02)
        except OSError as e:
            self.net.note("%s data to %s:%d: %r" % ((mode,) + to + (e,)))
            d.close()
        time.sleep(GAP)

    def port_data(self, command, listen_at):
        """A PORT/EPRT ``command`` accepted, then the server's data connection to a listener on ``listen_at``
        (host, port) where the command, as the server saw it, points."""
        ls = self.net.tcp_listen(*listen_at)
        self.active_data(self.cmd_ok(command), ls)
        ls.close()

    def list_dir(self, seen, listener, passive=False, opening=None):
        """LIST, the server's ``opening`` reply if given, the data connection where ``seen`` points, 226."""
        self.cmd(b"LIST\r\n")
        if opening:
            self.reply(opening)
        (self.passive_data if passive else self.active_data)(seen, listener)
        self.reply(self.SENT)

    @contextlib.contextmanager
    def _losing_first(self, side, data):
        """While inside, the host receiving from ``side`` drops the first control segment starting like
        ``data`` (nft on its input: numgen counts the matching segments)."""
        rx = side_of(self._ends(side)[1].getsockname()[0])
        port = "dport 21" if side == "c" else "sport 21"
        self.net.host_nft(rx, input_table("lossy", -300, "tcp %s @ih,0,32 0x%08x numgen inc mod 1000000 == 0 drop"
                                          % (port, int.from_bytes(data[:4], "big"))))
        yield
        self.net.host_nft_delete(rx, "lossy")

    def sack_burst(self, side, segments, wait=0.6):
        """Segments sent back to back by the client (side "c") or server ("s"); the receiving host drops the
        first one once (nft on its input), so it acknowledges the others with SACK blocks and the sender
        retransmits the first."""
        a, b = self._ends(side)
        want = sum(len(x) for x in segments)
        with self._losing_first(side, segments[0]):
            for seg in segments:
                a.send(seg)
            got = self._read(b, wait, lambda buf: len(buf) >= want)
        self.net.note("burst %s: %d segments, other end got %r" % (side, len(segments), got))
        time.sleep(GAP)

    def lose_once(self, side, data, wait=1.0):
        """One segment from the client (side "c") or server ("s") that the receiving host drops the first time
        (nft on its input, after the router has handled it): the sender retransmits it."""
        a, b = self._ends(side)
        with self._losing_first(side, data):
            a.sendall(data)
            got = self._read(b, wait)
        self.net.note("lost once %s %r -> other end saw %r" % (side, data, got))
        time.sleep(GAP)
        return got

    def stall(self, wait=1.0):
        """After a segment the helper drops (its retransmissions are dropped too): abort both ends."""
        time.sleep(wait)
        self.abort()

    def abort(self):
        self.net.abort(self.c)
        time.sleep(0.05)
        self.s.close()
        time.sleep(GAP)

    def quit(self):
        self.cmd(b"QUIT\r\n")
        self.reply(b"221 Goodbye.\r\n")
        close_pair(self.s, self.c)
        time.sleep(GAP)


def ftp_addr(text, default_host=None):
    """(host, port) from a PORT/EPRT command or a 227/229 reply as seen by the other end."""
    import re
    t = text.decode(errors="replace")
    m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", t)
    if m and ("PORT" in t.upper() or "227" in t):
        n = [int(x) for x in m.groups()]
        return "%d.%d.%d.%d" % tuple(n[:4]), (n[4] << 8 | n[5]) & 0xFFFF
    m = re.search(r"EPRT (.)\d\1([^|!]+)\1(\d+)\1", t)
    if m:
        return m.group(2), int(m.group(3)) & 0xFFFF
    m = re.search(r"\((.)\1\1(\d+)\1\)", t)
    if m:
        return default_host, int(m.group(2))
    raise ValueError("no address in %r" % t)


def _ftp_numbers(addr, port):
    """An IPv4 address and a port as FTP's six comma-separated numbers."""
    return ",".join(addr.split(".") + [str(port >> 8), str(port & 0xFF)]).encode()


def port_cmd(addr, port, verb=b"PORT"):
    return verb + b" " + _ftp_numbers(addr, port) + b"\r\n"


def pasv_reply(addr, port):
    return b"227 Entering Passive Mode (" + _ftp_numbers(addr, port) + b")."


def eprt_cmd(addr, port, delim=b"|"):
    """EPRT naming addr (IPv4 or IPv6 form by the address) and port between ``delim``s."""
    return b"EPRT %s%d%s%s%s%d%s\r\n" % (delim, 2 if ":" in addr else 1, delim, addr.encode(), delim, port, delim)


def epsv_reply(port, delim=b"|"):
    return b"229 Entering Extended Passive Mode (%s%s%s%d%s)" % (delim, delim, delim, port, delim)


def _ftp_pipelined(net, cport, lport, pport):
    """Pipelined commands and replies: PORT+LIST in one segment, 200+150 in one, 227+150 in one, 229 (EPSV),
    then a PORT behind a NOOP and a 227 behind a 200 (not at the segment start: no expectation)."""
    p = FtpPuppet(net, C1, cport)
    ls = net.tcp_listen(C1, lport)
    seen = p.cmd(port_cmd(C1, lport) + b"LIST\r\n")
    p.reply(b"200 PORT command successful. Consider using PASV.\r\n" + p.LISTING)
    p.active_data(seen, ls)
    p.reply(p.SENT)
    pl = net.tcp_listen(SRV, pport)
    p.cmd(b"PASV\r\n")
    seen = p.reply(pasv_reply(SRV, pport) + b"\r\n" + p.LISTING)
    p.passive_data(seen, pl)
    p.reply(p.SENT)
    seen = p.epsv(pport + 1)
    pl2 = net.tcp_listen(SRV, pport + 1)
    p.cmd(b"LIST\r\n")
    p.passive_data(seen, pl2)
    seen = p.cmd(b"NOOP\r\n" + port_cmd(C1, lport + 1))
    p.reply(b"200 NOOP ok.\r\n200 PORT command successful.\r\n")
    ls2 = net.tcp_listen(C1, lport + 1)
    p.active_data(seen[seen.index(b"PORT"):], ls2)
    p.cmd(b"PASV\r\n")
    seen = p.reply(b"200 Noted.\r\n" + pasv_reply(SRV, pport + 2) + b"\r\n")
    pl3 = net.tcp_listen(SRV, pport + 2)
    p.passive_data(seen[seen.index(b"227"):], pl3)
    p.quit()
    for x in (ls, ls2, pl, pl2, pl3):
        x.close()


@scenario(params={"cport": 45800, "lport": 40400, "pport": 36000}, **FTP_MASQ)
def ftp_pipelined_masq(net, cap):
    """Scripted FTP client and server (python sockets, one segment per send) through masquerade with the ftp
    helper: "PORT ...\\r\\nLIST\\r\\n" in one segment (PORT rewritten, LIST kept), "200 ...\\r\\n150 ...\\r\\n" in one,
    a 227 followed by a 150 in one segment, EPSV (229 (|||port|)), then "NOOP\\r\\nPORT ..." and "200 ...\\r\\n227 ..."
    (the command is not at the segment start: no expectation, nothing rewritten; the data connections are
    ordinary new flows)."""
    _ftp_pipelined(net, 45800, 40400, 36000)


@scenario(params={"cport": 45810, "lport": 40410, "pport": 36010}, **FTP_HELPER)
def ftp_pipelined(net, cap):
    """ftp_pipelined_masq without NAT."""
    _ftp_pipelined(net, 45810, 40410, 36010)


def _ftp_split(net, cport, lport, pport):
    """Commands and replies cut into segments (see ftp_split_masq)."""
    p = FtpPuppet(net, C1, cport)
    ls = net.tcp_listen(C1, lport)
    seen = p.parts("c", [port_cmd(C1, lport)[:-1], b"\n"])
    p.reply(b"200 PORT command successful.\r\n")
    p.list_dir(seen, ls, opening=p.LISTING)
    # a segment that does not end a line: the next one is not at a line start, so its PORT is not looked at
    p.parts("c", [b"NOOP", port_cmd(C1, lport + 1)])
    p.reply(b"500 Unknown command.\r\n")
    p.cmd(b"PASV\r\n")
    pl = net.tcp_listen(SRV, pport)
    r = pasv_reply(SRV, pport) + b"\r\n"
    # the 227 cut inside its numbers: the helper drops the first part (partial match) and its retransmissions
    p.parts("s", [r[:34], r[34:]], wait=1.2)
    p.abort()
    q = FtpPuppet(net, C1, cport + 1)
    c = port_cmd(C1, lport + 2)
    q.parts("c", [c[:13], c[13:]], wait=1.2)
    q.abort()
    for x in (ls, pl):
        x.close()


@scenario(params={"cport": 45820, "lport": 40420, "pport": 36020}, **FTP_MASQ)
def ftp_split_masq(net, cap):
    """Scripted FTP through masquerade with the ftp helper, commands cut into segments: "PORT ...\\r" then "\\n"
    (the first segment holds the whole number list: expectation, rewritten); "NOOP" without a line end then
    "PORT ...\\r\\n" (not at a line start: ignored); a 227 cut inside its numbers (first part dropped by the
    helper as a partial match, retransmissions too; the rest passes unparsed), then a client abort; a second
    control connection whose PORT is cut after "PORT 198,51,1" (dropped likewise), aborted."""
    _ftp_split(net, 45820, 40420, 36020)


@scenario(params={"cport": 45830, "lport": 40430, "pport": 36030}, **FTP_HELPER)
def ftp_split(net, cap):
    """ftp_split_masq without NAT."""
    _ftp_split(net, 45830, 40430, 36030)


def _ftp_port_odd(net, cport, lport):
    """Odd PORT numbers (see ftp_port_odd_masq)."""
    p = FtpPuppet(net, C1, cport)
    # the address of another LAN host: no expectation (not loose), nothing rewritten
    p.port_data(port_cmd(C2, lport), (C2, lport))
    # 100,1034 folds into .100.10 (numbers are or-ed into place unchecked): the client's own address
    p.port_data(b"PORT 198,51,100,1034,%d,%d\r\n" % ((lport + 1) >> 8, (lport + 1) & 0xFF), (C1, lport + 1))
    # 300,5: the port is (300 << 8 | 5) cut to 16 bits; lower-case verb
    p.port_data(b"port 198,51,100,10,300,5\r\n", (C1, (300 << 8 | 5) & 0xFFFF))
    p.quit()
    # port 256,0 = 65536 cut to 0
    q = FtpPuppet(net, C1, cport + 1)
    q.cmd_ok(b"PORT 198,51,100,10,256,0\r\n", wait=1.0)
    q.abort()
    # too few numbers: partial match, dropped with its retransmissions
    r = FtpPuppet(net, C1, cport + 2)
    r.cmd(b"PORT 198,51,100\r\n", wait=1.0)
    r.abort()


@scenario(params={"cport": 45840, "lport": 40440}, **FTP_MASQ)
def ftp_port_odd_masq(net, cap):
    """Scripted FTP through masquerade with the ftp helper, odd PORT commands: another LAN host's address (no
    expectation, not rewritten; the server's data connection to it is a new flow); "198,51,100,1034" (folds
    into the client's address: expectation); lower-case "port" with 300,5 (port cut to 16 bits); then on a
    second control connection port 256,0 (= 0); on a third too few numbers (partial match: dropped with its
    retransmissions); each then aborted."""
    _ftp_port_odd(net, 45840, 40440)


@scenario(params={"cport": 45850, "lport": 40450}, **FTP_HELPER)
def ftp_port_odd(net, cap):
    """ftp_port_odd_masq without NAT."""
    _ftp_port_odd(net, 45850, 40450)


def _ftp_eprt_odd(net, cport, lport, pport):
    """Odd EPRT commands and 229 replies (see ftp_eprt_odd_masq)."""
    p = FtpPuppet(net, C1, cport)
    for d, port in ((b"|", lport), (b"!", lport + 1), (b"~", 70000)):
        p.port_data(eprt_cmd(C1, port, d), (C1, port & 0xFFFF))
    p.port_data(eprt_cmd(C2, lport + 3), (C2, lport + 3))          # another host's address: no expectation
    for d, port in ((b"|", pport), (b"!", pport + 1)):
        pl = net.tcp_listen(SRV, port)
        p.passive_data(p.epsv(port, d), pl)
        pl.close()
    p.epsv(0, wait=1.0)                                             # port 0: partial match, dropped
    p.abort()
    q = FtpPuppet(net, C1, cport + 1)
    q.cmd(eprt_cmd(C1_6, lport + 4), wait=1.0)                      # IPv6 form on IPv4: dropped
    q.abort()
    r = FtpPuppet(net, C1, cport + 2)
    r.cmd(b"EPRT 1%s1%d1\r\n" % (C1.encode(), lport + 5), wait=1.0)  # digit delimiter: dropped
    r.abort()
    s6 = FtpPuppet(net, C1_6, cport + 3, dst=SRV_6)
    s6.port_data(eprt_cmd(C1_6, lport + 6), (C1_6, lport + 6))
    s6.cmd(eprt_cmd(C1, lport + 7), wait=1.0)                       # IPv4 form on IPv6: dropped
    s6.abort()


@scenario(params={"cport": 45860, "lport": 40460, "pport": 36060}, **FTP_MASQ)
def ftp_eprt_odd_masq(net, cap):
    """Scripted FTP through masquerade with the ftp helper: EPRT with delimiters |, ! and ~ (port 70000, cut
    to 16 bits), EPRT naming another LAN host (no expectation), 229 replies with | and ! delimiters, a 229 with
    port 0 (partial match: dropped with its retransmissions; abort); EPRT in the IPv6 form on an IPv4 control
    connection and with a digit as delimiter (dropped; abort); on IPv6 (not NATed) EPRT |2| (expectation)
    then the IPv4 form (dropped; abort)."""
    _ftp_eprt_odd(net, 45860, 40460, 36060)


@scenario(params={"cport": 45870, "lport": 40470, "pport": 36070}, **FTP_HELPER)
def ftp_eprt_odd(net, cap):
    """ftp_eprt_odd_masq without NAT."""
    _ftp_eprt_odd(net, 45870, 40470, 36070)


def _ftp_expect_lifecycle(net, cap, cport, lport, pport):
    """Expectations replaced, never used, and outliving their control connection (see ftp_expect_life_masq)."""
    p = FtpPuppet(net, C1, cport)
    ls = net.tcp_listen(C1, lport + 1)
    p.cmd_ok(port_cmd(C1, lport))
    seen = p.cmd_ok(port_cmd(C1, lport + 1))       # one expectation per control connection: the first goes
    p.list_dir(seen, ls, opening=p.LISTING)
    p.pasv(SRV, pport)                             # no data connection comes
    time.sleep(0.3)
    cap.expect_snapshot("PASV expectation pending")
    p.epsv(pport + 1)
    p.quit()                                       # closed with the EPSV expectation pending
    q = FtpPuppet(net, C1, cport + 1)
    ls2 = net.tcp_listen(C1, lport + 2)
    seen = q.cmd_ok(port_cmd(C1, lport + 2))
    q.abort()                                      # aborted with the PORT expectation pending...
    q.active_data(seen, ls2)                       # ...which the data connection still finds
    r = FtpPuppet(net, C1, cport + 2)
    r.cmd_ok(port_cmd(C1, lport + 3))
    r.abort()                                      # left pending at the end
    for x in (ls, ls2):
        x.close()


@scenario(params={"cport": 45880, "lport": 40480, "pport": 36080}, **FTP_MASQ)
def ftp_expect_life_masq(net, cap):
    """Scripted FTP through masquerade with the ftp helper: two PORT commands in a row (one expectation per
    control connection: the first is replaced), LIST via the second; PASV whose data connection never comes,
    then EPSV (replaces it), then QUIT with that expectation pending; a second control connection aborted
    (RST) after PORT, whose data connection still comes and is related; a third aborted after PORT, its
    expectation left pending (expect-events, expect.txt)."""
    _ftp_expect_lifecycle(net, cap, 45880, 40480, 36080)


@scenario(params={"cport": 45890, "lport": 40490, "pport": 36090}, **FTP_HELPER)
def ftp_expect_life(net, cap):
    """ftp_expect_life_masq without NAT."""
    _ftp_expect_lifecycle(net, cap, 45890, 40490, 36090)


DNAT_FTP = ['iifname "wan" ip daddr 203.0.113.1 tcp dport 21 dnat ip to 198.51.100.20:21']


@scenario(**dnat_and_masq(DNAT_FTP, helper=True), params={"cport": 45900, "lport": 40500, "pport": 36100})
def ftp_dnat(net, cap):
    """Scripted FTP server on the LAN (198.51.100.20) behind DNAT of the router's port 21, WAN client, ftp
    helper: PASV (the 227 naming the LAN server is rewritten to the router's address; the data connection is
    DNATed to the server), EPSV (229 (|||port|)), PORT and EPRT from the WAN client (the LAN server's data
    connection from port 20 leaves SNATed to the router's address by the expectation, not by masquerade), then
    QUIT."""
    p = FtpPuppet(net, WCLI, 45900, dst=RTR_WAN, server=LSRV)
    for port, verb in ((36100, b"PASV"), (36101, b"EPSV")):
        pl = net.tcp_listen(LSRV, port)
        seen = p.pasv(LSRV, port) if verb == b"PASV" else p.epsv(port)
        p.list_dir(seen, pl, passive=True)
        pl.close()
    for port, verb in ((40500, b"PORT"), (40501, b"EPRT")):
        ls = net.tcp_listen(WCLI, port)
        seen = p.cmd_ok(port_cmd(WCLI, port) if verb == b"PORT" else eprt_cmd(WCLI, port))
        p.list_dir(seen, ls)
        ls.close()
    p.quit()


def vsftpd_upload(net, pasv, size):
    """vsftpd as vsftpd() plus anonymous upload into incoming/ (owned by the ftp user)."""
    vsftpd(net, pasv=pasv, size=size)
    d = net.lab.tmpdirs[-1]
    conf = os.path.join(d, "vsftpd.conf")
    text = open(conf).read().replace("write_enable=NO", "write_enable=YES\nanon_upload_enable=YES\n"
                                     "anon_umask=022")
    open(conf, "w").write(text)
    inc = os.path.join(d, "root", "incoming")
    os.makedirs(inc)
    import pwd
    ftp = pwd.getpwnam("ftp")
    os.chown(inc, ftp.pw_uid, ftp.pw_gid)
    os.chmod(inc, 0o755)
    up = os.path.join(d, "up.bin")
    with open(up, "wb") as f:
        f.write(bytes((i * 17 + 3) & 0xFF for i in range(size)))
    os.chmod(d, 0o755)
    os.chmod(up, 0o644)
    # the first server read the old configuration: restart it on the new one
    for p in net.lab.procs:
        if p.args[-2:] == ["vsftpd", conf]:
            p.terminate()
            p.wait(3)
    net.lab.popen("wan", ["vsftpd", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    net.upload_file = up


@scenario(prepare=lambda net: vsftpd_upload(net, (37000, 37009), 2_000_000), **FTP_MASQ,
          params={"ftp_pasv": [37000, 37009], "ftp_lport": [40300, 40309], "ftp_size": 2_000_000})
def ftp_lftp_big_masq(net, cap):
    """lftp through masquerade with the ftp helper, vsftpd with anonymous upload: active mode (PORT rewritten,
    every later control segment seq-adjusted) get of a 2 MB file and put of a 2 MB file into incoming/, then
    passive mode get and put of the same."""
    up = net.upload_file
    _lftp(net, C1, ("off", "get file.bin -o {sink}; put %s -o incoming/a.bin" % up))
    time.sleep(GAP)
    _lftp(net, C1, ("on", "get file.bin -o {sink}; put %s -o incoming/b.bin; ls incoming" % up))


FOUR_COMMANDS = [b"NOOP\r\n", b"STAT\r\n", b"SYST\r\n", b"MODE S\r\n"]


FOUR_REPLIES = [b"200 NOOP ok.\r\n", b"211 FTP server status: fine.\r\n", b"215 UNIX Type: L8\r\n",
                b"200 Mode set to S.\r\n"]


@scenario(params={"cport": 45910, "lport": 40510}, **FTP_MASQ)
def ftp_sack_masq(net, cap):
    """Scripted FTP through masquerade with the ftp helper: PORT rewritten (2 bytes shorter), so the client's
    later sequence numbers are shifted; then four client commands back to back, the first lost once at the
    server host: the server's ACKs carry SACK blocks (translated back by seqadj), the client retransmits;
    four server reply lines lost likewise at the client (their SACK blocks need no shift); LIST and QUIT."""
    p = FtpPuppet(net, C1, 45910)
    ls = net.tcp_listen(C1, 40510)
    seen = p.cmd_ok(port_cmd(C1, 40510))
    p.sack_burst("c", FOUR_COMMANDS)
    p.sack_burst("s", FOUR_REPLIES)
    p.list_dir(seen, ls, opening=p.LISTING)
    ls.close()
    p.quit()


@scenario(**dnat_and_masq(DNAT_FTP, helper=True), params={"cport": 45920, "pport": 36120})
def ftp_sack_dnat(net, cap):
    """Scripted FTP server behind DNAT, WAN client, ftp helper: a 227 naming the LAN server is rewritten to the
    router's address (2 bytes shorter: the server's later sequence numbers are shifted); then four server
    reply lines back to back, the first lost once at the client host (the client's SACK blocks are translated
    back), and four client commands lost likewise at the server; a data connection via the 227, QUIT."""
    p = FtpPuppet(net, WCLI, 45920, dst=RTR_WAN, server=LSRV)
    pl = net.tcp_listen(LSRV, 36120)
    seen = p.pasv(LSRV, 36120)
    p.sack_burst("s", FOUR_REPLIES)
    p.sack_burst("c", FOUR_COMMANDS)
    p.list_dir(seen, pl, passive=True)
    pl.close()
    p.quit()


@scenario(params={"cport": 45980, "lport": 40520, "pport": 36130}, **FTP_MASQ)
def ftp_retrans_masq(net, cap):
    """Scripted FTP through masquerade with the ftp helper: a PORT segment lost once at the server host after
    the router rewrote it (the client's retransmission is parsed and rewritten again: the expectation is
    replaced, the sequence shift not counted twice), its LIST; a later command lost once (a retransmission of
    a shifted segment), a 227 lost once at the client (the helper sees it twice), the data connection, QUIT."""
    p = FtpPuppet(net, C1, 45980)
    ls = net.tcp_listen(C1, 40520)
    seen = p.lose_once("c", port_cmd(C1, 40520))
    p.reply(b"200 PORT command successful.\r\n")
    p.list_dir(seen, ls, opening=p.LISTING)
    p.lose_once("c", b"SYST\r\n")
    p.reply(b"215 UNIX Type: L8\r\n")
    p.cmd(b"PASV\r\n")
    pl = net.tcp_listen(SRV, 36130)
    seen = p.lose_once("s", pasv_reply(SRV, 36130) + b"\r\n")
    p.list_dir(seen, pl, passive=True)
    ls.close()
    pl.close()
    p.quit()


@scenario(prepare=lambda net: vsftpd(net, addr=SRV_6, pasv=(34100, 34109)), params={"ftp_pasv": [34100, 34109]},
          helper=True, **NAT6)
def ftp6_masq(net, cap):
    """FTP over IPv6 through masquerade with the ftp helper: ftplib EPRT+LIST (the EPRT's address rewritten to
    the router's 2001:db8:2::1, the data connection from port 20 DNATed back by the expectation), EPSV+LIST,
    RETR via EPSV and via EPRT."""
    _ftp_session(net, C1_6, SRV_6, ["EPRT", "EPSV", "RETR-PASV", "RETR-PORT"])
