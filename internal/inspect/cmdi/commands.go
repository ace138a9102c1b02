package cmdi

// Command words, by how safely they can be told from ordinary words.
//
// tierA are programs whose names are not English (or Spanish, French...)
// words: after a command separator they are a command whatever follows.
// tierB are programs whose names are also ordinary words (cat, echo, sleep,
// find, type, net): after a separator they count only with shell-looking
// arguments (an option, a path, a number, a redirection), or when the value
// starts with the separator.
var tierA = wordSet(
	// identity, system and network reconnaissance
	"id", "whoami", "uname", "hostname", "ifconfig", "ipconfig", "netstat", "nslookup",
	"systeminfo", "tasklist", "taskkill", "getent", "lsb_release", "printenv", "lsof", "arp",
	"traceroute", "tracert", "nmap", "dig", "pwd", "ls", "ps", "env", "df", "uptime",
	// shells and interpreters
	"sh", "bash", "zsh", "ksh", "csh", "tcsh", "dash", "ash", "busybox", "powershell", "pwsh",
	"cmd", "perl", "python", "python2", "python3", "ruby", "php", "node", "lua", "tclsh",
	"cscript", "wscript", "mshta", "rundll32", "regsvr32", "certutil", "bitsadmin", "wmic",
	"msiexec", "schtasks", "icacls", "cacls", "netsh", "reg", "sc", "xterm", "vssadmin",
	"wevtutil", "bcdedit", "fsutil", "takeown", "nltest", "cmdkey", "runas",
	// transfer and remote access
	"wget", "curl", "nc", "ncat", "netcat", "socat", "telnet", "ftp", "tftp", "scp", "ssh",
	"sftp", "rsync",
	// file and permission manipulation typical of payloads
	"chmod", "chown", "chgrp", "mkfifo", "mknod", "useradd", "usermod", "passwd", "crontab",
	"sudo", "nohup", "setsid", "xargs", "base64", "xxd", "gcc", "cc", "awk", "gawk", "sed",
	"grep", "egrep", "fgrep", "rm", "cp", "mv", "ln", "tar", "unzip", "gzip", "dd",
)

var tierB = wordSet(
	"cat", "echo", "sleep", "ping", "dir", "net", "find", "kill", "type", "head", "tail",
	"more", "less", "sort", "touch", "mail", "exec", "eval", "set", "who", "which", "whereis",
	"route", "nice", "time", "timeout", "wait", "source", "export", "uniq", "cut", "file",
	"strings", "zip", "mkdir", "rmdir", "copy", "move", "ren", "start", "call",
	"net.exe", "print", "wall", "write", "shutdown", "reboot", "halt", "at", "top", "su",
	"killall", "pkill", "last", "mount", "vi", "vim", "nano", "tee", "od", "nl", "rev",
	"true", "false", "exit",
)

// payloadB are the tier-B commands that payloads use with any argument
// ("echo INJECTX", "sleep 5", "ping host"); after a leading separator they
// count even when a plain word follows.
var payloadB = wordSet("echo", "cat", "sleep", "ping", "dir", "type", "net", "find", "kill", "exit")

// windowsNames are matched in any case (cmd.exe is case-insensitive); every
// other command word must be written in lower case, as Unix requires, so
// that "Name; ID" is not "; id".
var windowsNames = wordSet("dir", "net", "type", "ipconfig", "systeminfo", "tasklist",
	"taskkill", "powershell", "pwsh", "cmd", "certutil", "bitsadmin", "wmic", "reg", "netsh",
	"whoami", "copy", "del", "move", "ren", "start", "call", "ping", "hostname", "netstat",
	"nslookup", "schtasks", "msiexec", "mshta", "rundll32", "regsvr32", "cscript", "wscript",
	"icacls", "cacls", "tracert", "echo", "set", "sc", "route", "arp", "vssadmin", "wevtutil",
	"bcdedit", "fsutil", "takeown", "nltest", "cmdkey", "runas")

// numeric are the commands whose typical argument is a number (sleep 5,
// ping -n 3, kill 1); only for them is a bare number a shell argument.
var numeric = wordSet("sleep", "ping", "kill", "timeout", "head", "tail", "usleep")

// subcommands are the first arguments of commands driven by a subcommand
// (the Windows administration tools payloads use to add users, open the
// firewall, persist through the registry or services, delete shadow
// copies). "net" followed by one is a command although "net" is a word; the
// others make a command line of a value with no option or path ("netsh
// firewall set opmode disable", "reg add HKLM...", "sc stop WinDefend").
var subcommands = map[string]map[string]struct{}{
	"net": wordSet("user", "users", "localgroup", "group", "view", "share", "use",
		"start", "stop", "session", "accounts", "config"),
	"netsh": wordSet("firewall", "advfirewall", "interface", "int", "wlan", "winhttp", "winsock",
		"http", "lan", "ras", "routing", "ipsec", "dhcp", "bridge", "wfp", "trace", "dump"),
	"reg": wordSet("query", "add", "delete", "copy", "save", "restore", "load", "unload",
		"compare", "export", "import"),
	"sc": wordSet("query", "queryex", "qc", "create", "config", "start", "stop", "pause",
		"delete", "description", "failure", "sdshow", "sdset", "control"),
	"wmic": wordSet("process", "os", "service", "useraccount", "group", "shadowcopy", "qfe",
		"product", "computersystem", "startup", "nicconfig", "nic", "logicaldisk", "bios",
		"share", "sysaccount", "environment", "ntdomain"),
	"vssadmin": wordSet("delete", "list", "create", "resize"),
	"wevtutil": wordSet("cl", "clear-log", "el", "enum-logs", "qe", "query-events", "gl", "sl"),
}

// Interpreter flags that take a program text: sh -c, perl -e, python -c,
// powershell -enc / -command / -e, cmd /c /k, php -r, node -e, ruby -e.
var codeFlags = wordSet("-c", "-e", "-r", "-enc", "-encodedcommand", "-ec", "-command",
	"-exec", "/c", "/k", "-i")

func wordSet(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
