# The runtime's fast path (scripts/fast_path.bash, filled in by scripts/fast_path.ts): every runc
# command goes straight to the low-level runtime, without starting Deno, when the shim's recorded
# decision (src/runtime/decision.ts) still holds, create and run only for a spec the shim would
# leave alone (__xpu_untouched); anything else returns, and the shim decides as ever. Needs
# __xpu_all (the caller's environment, as read from /proc) and __xpu_environ (set when it could be
# read); the launcher records __xpu_decision_env as the caller set it (XPU_CTK_LAUNCHER_ENV),
# because the runtime's names are given it here.
__xpu_decision_env=@DECISION_ENV@
__xpu_decision_dir=@DEFAULT_DIR@
__xpu_fast() {
  # The subcommand: the first argument after runc's global flags that the shim ignores too.
  local -i i=1
  local arg cmd found=
  while ((i <= $#)); do
    arg=${!i}
    case $arg in
    @VALUE_FLAGS@) i+=2 ;;
    @VALUE_FLAGS_INLINE@ | @PLAIN_FLAGS@) i+=1 ;;
    --)
      i+=1
      ((i <= $#)) || return 0
      cmd=${!i} found=1
      break
      ;;
    -?*) return 0 ;;
    *)
      cmd=$arg found=1
      break
      ;;
    esac
  done
  [[ $found ]] || return 0
  local create=
  case $cmd in
  @SHIM_COMMANDS@) return 0 ;;
  @CREATE_COMMANDS@) create=$i ;;
  esac

  # Only a decision this user wrote: file, directory and the directory's parent owned by this
  # user, no symlink at the end. Its modification time, checked below, is the config's, which
  # only the owner can set: a decision written by anyone else fails that check. (The directory's
  # variable is read as the shim reads it; an environment naming it twice is refused below.)
  local dir=${@DECISION_ENV@-$__xpu_decision_dir}
  [[ $dir == /* && $dir != */ ]] || return 0
  local parent=${dir%/*} file=$dir/@DECISION_FILE@
  [[ -d $dir && ! -L $dir && -O $dir && -O ${parent:-/} ]] || return 0
  [[ -f $file && ! -L $file && -O $file ]] || return 0
  local text
  { IFS= read -r -N @MAX_BYTES@ text <"$file"; } 2>/dev/null && return 0
  [[ $text == *$'\n' && $text != *[!\ -~$'\n']* ]] || return 0
  local -a lines=()
  while [[ $text ]]; do
    lines+=("${text%%$'\n'*}")
    text=${text#*$'\n'}
  done
  local -i n=${#lines[@]} j=3
  [[ ${lines[0]} == @HEADER@ && ${lines[n - 1]} == end ]] || return 0
  [[ ${lines[2]} == "create fast" || ${lines[2]} == "create shim" ]] || return 0
  # The byte strings whose absence proves the shim leaves a spec alone (src/modes/untouched.ts).
  local -a needles=()
  while [[ ${lines[j]} == "needle "?* ]]; do
    needles+=("${lines[j]#needle }")
    j+=1
  done
  [[ ! $create || ${lines[2]} == "create fast" ]] || return 0

  # The config file the shim read, unchanged: the decision has its modification time.
  local config=${lines[1]#config }
  [[ ${lines[1]} == "config /"* && -e $config ]] || return 0
  [[ ! $config -nt $file && ! $file -nt $config ]] || return 0

  # The runtime gets the caller's environment exactly, through env(1) below, which can pass on
  # neither an entry without a name nor a name given twice.
  [[ $__xpu_environ ]] || return 0
  local kv name
  local -A env=()
  for kv in "${__xpu_all[@]}"; do
    name=${kv%%=*}
    [[ -n $name && $kv == *=* && -z ${env[k$name]+x} ]] || return 0
    env[k$name]=${kv#*=}
  done

  # The record of a caller with the same variables (one per caller the shim has seen), and in it
  # the same choice: the runtime still there, and none that would come before it.
  local want ours runtime=
  while ((j < n)) && [[ -z $runtime ]]; do
    ours=1
    for want in @DECISION_VARIABLES@; do
      [[ ${lines[j]} == "env $want="* || ${lines[j]} == "unset $want" ]] || return 0
      if [[ ${env[k$want]+x} ]]; then
        [[ ${lines[j]} == "env $want=${env[k$want]}" ]] || ours=
      else
        [[ ${lines[j]} == "unset $want" ]] || ours=
      fi
      j+=1
    done
    [[ ${lines[j]} == "runtime /"* ]] || return 0
    [[ $ours ]] && runtime=${lines[j]#runtime }
    j+=1
    while [[ ${lines[j]} == "skip /"* ]]; do
      [[ $ours && -f ${lines[j]#skip } ]] && return 0
      j+=1
    done
    [[ ${lines[j]} == end ]] || return 0
    j+=1
  done
  [[ $runtime && $runtime != *=* && -f $runtime && -x $runtime ]] || return 0
  [[ ! $create ]] || __xpu_untouched "${@:create+1}" || return 0

  # The shim hands over with SIGPIPE at its default. A shell cannot undo an ignored one; env(1)
  # can where the shim found it does (src/runtime/env_signal.ts): a record with env's time.
  local line sigign= record=$dir/@ENV_RECORD_FILE@
  local -a reset=() status=()
  { mapfile -t status </proc/self/status; } 2>/dev/null
  for line in "${status[@]}"; do
    if [[ $line == SigIgn:* ]]; then
      sigign=${line#SigIgn:}
      sigign=${sigign//[[:space:]]/}
      break
    fi
  done
  [[ $sigign =~ ^[0-9a-f]{4,}$ ]] || return 0
  if (((16#${sigign: -4} & 16#1000) != 0)); then
    [[ -f @ENV@ && ! -L @ENV@ && -f $record && ! -L $record && -O $record ]] || return 0
    [[ ! @ENV@ -nt $record && ! $record -nt @ENV@ ]] || return 0
    { IFS= read -r -N @ENV_RECORD_MAX_BYTES@ text <"$record"; } 2>/dev/null && return 0
    [[ $text == @HEADER@$'\n''file '*$'\n'@ENV_RESETS@$'\n' ]] || return 0
    reset=(--default-signal=PIPE)
  fi

  # bash changes PWD, SHLVL and more in the environment it passes on: env(1) is given the
  # caller's, in its order. argv[0] is the runtime's path, as the shim gives it.
  [[ -x @ENV@ ]] || return 0
  exec -c @ENV@ "${reset[@]}" -- "${__xpu_all[@]}" "$runtime" "$@"
}
# A create's or run's arguments (after the subcommand): true when its bundle's config.json (found
# as bundleDir in src/runtime/args.ts finds it) is a regular file of at most @SPEC_MAX_BYTES@
# bytes holding none of the needles, and no JSON escape that could spell one; false for anything
# else, a flag it does not know or a value that looks like a flag included. Compared bytewise.
__xpu_untouched() {
  local LC_ALL=C arg bundle=. text needle
  while (($#)); do
    arg=$1
    shift
    case $arg in
    @BUNDLE_FLAGS@)
      [[ $1 && $1 != -* ]] || return 1
      bundle=$1
      shift
      ;;
    @BUNDLE_FLAGS_INLINE@)
      bundle=${arg#*=}
      [[ $bundle ]] || return 1
      ;;
    @COMMAND_VALUE_FLAGS@)
      [[ $# -gt 0 && $1 != -* ]] || return 1
      shift
      ;;
    @COMMAND_VALUE_FLAGS_INLINE@ | @COMMAND_PLAIN_FLAGS@) ;;
    -*) return 1 ;;
    esac
  done
  # -f follows a link, as runc does, and is false for a FIFO, which a read would wait on.
  [[ -f $bundle/config.json ]] || return 1
  { IFS= read -r -N @SPEC_MAX_BYTES@ text <"$bundle/config.json"; } 2>/dev/null && return 1
  [[ $text && $text != *'\u'* && $text != *'\/'* ]] || return 1
  for needle in "${needles[@]}"; do
    [[ $text != *"$needle"* ]] || return 1
  done
}
case ${0##*/} in
@RUNTIME_NAMES@)
  __xpu_fast "$@"
  # The shim records its decision where this front looks for it.
  export @DECISION_ENV@="${@DECISION_ENV@-$__xpu_decision_dir}"
  ;;
esac
unset -f __xpu_fast __xpu_untouched
unset __xpu_decision_dir
