// Two examples per command, shown by `--help`, `vipd help CMD` and the man page (one list, so they cannot drift).

export interface Example {
  command: string;
  what: string;
}

export const EXAMPLES: Readonly<Record<string, readonly Example[]>> = {
  vipd: [
    { command: "vipd check /etc/vipd/config.toml", what: "validate a configuration before (re)starting" },
    { command: "vipd help run", what: "the options of the daemon" },
  ],
  run: [
    { command: "vipd run", what: "run with /etc/vipd/config.toml (as systemd does)" },
    { command: "vipd run ./config.toml --log-format json --verbose", what: "run another file, debug lines as JSON" },
  ],
  check: [
    { command: "vipd check /etc/vipd/config.toml", what: "validate the file the daemon would load" },
    { command: "vipd check --offline other-host.toml", what: "validate a file meant for another host" },
  ],
  convert: [
    { command: "vipd convert /etc/keepalived/keepalived.conf > config.toml", what: "convert keepalived.conf, warnings on stderr" },
    { command: "vipd convert keepalived.conf -o config.toml -i lb-a", what: "write a file, with the @lb-a lines of config id lb-a" },
  ],
  handover: [
    { command: "vipd handover VI_1", what: "move VI_1's VIPs to the other node before maintenance" },
    { command: "vipd handover --all --undo", what: "after maintenance: every instance takes part in elections again" },
  ],
  genhash: [
    { command: "vipd genhash http://198.51.100.21:8080/health", what: 'the digest to write in a url\'s digest = "..."' },
    { command: "vipd genhash https://198.51.100.21/ -V www.example.com", what: "over TLS, with a Host header and server name" },
  ],
  status: [
    { command: "vipd status", what: "the instances of the running daemon" },
    { command: "vipd status --json --socket /run/vipd/other.sock", what: "raw JSON from another daemon's socket" },
  ],
  lab: [
    { command: "sudo vipd lab", what: "three vipd routers, four ways of breaking the master" },
    { command: "sudo vipd lab --version 2 --peer keepalived", what: "VRRPv2 with keepalived as the first backup" },
  ],
  help: [
    { command: "vipd help", what: "the commands" },
    { command: "vipd help check", what: "the options of one command" },
  ],
};

export function examplesOf(command: string): readonly Example[] {
  return EXAMPLES[command] ?? [];
}
