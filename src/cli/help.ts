// `rxctr --help`.
export const HELP = `rxctr: a containerd CLI built on rxcontainerd

Usage: rxctr [global flags] COMMAND [flags] [args]

Containers
  run [-t] [-i] [-d] [--rm] [--env K=V]… [--user U] [--name N] [--log-file PATH] IMAGE [CMD…]
      also: [--hostname H] [--net-host] [--privileged] [--read-only] [--cpus N]
      [--memory-limit BYTES] [--device PATH]… [--env-file PATH] [--cap-add|--cap-drop CAP_X]…
  ps [-q]                        containers and their tasks
  exec [-t] [-i] [--user U] [--env K=V]… ID CMD…
  kill [-s SIG] ID               signal a task (default: its stop signal, else SIGTERM)
  stop [-t SECONDS] [-s SIG] ID… stop signal, then SIGKILL after -t (default 10 s)
  pause ID… / unpause ID…        freeze / thaw a task's processes
  top ID                         a task's processes (PID, exec id)
  inspect ID…                    containers as JSON: record, spec, task status
  rm [-f] ID…                    remove containers (-f: kill their task first)
  logs [-f] ID                   print (and follow) a task's log file
  attach ID                      attach to a task's FIFOs (one made by run -d)
  events [--json] [--filter F]…  live events

Images
  images ls [-q]
  images pull [--platform P] [--no-unpack] [--plain-http] REF
  images push [--source LOCAL] [--plain-http] REF
  images import [--no-unpack] FILE|-
  images export FILE|- REF…
  images unpack [--snapshotter S] REF
  images rm [--sync] REF…

Daemon
  version
  namespaces ls|create NAME|rm NAME…

Global flags
  -a, --address ADDR        socket path, unix://…, host:port (env CONTAINERD_ADDRESS,
                            default /run/containerd/containerd.sock)
  -n, --namespace NS        (env CONTAINERD_NAMESPACE, default "default")
  --tls-ca FILE, --tls-cert FILE, --tls-key FILE, --tls-servername NAME   TLS for TCP addresses
  --debug                   stack traces on errors

Exit codes: run/exec/attach exit with the container's code; 125 client or daemon error;
126 command not executable; 127 command not found in the image. See docs/cli.md.
`;
