# lockfs.bash - bash completion for lockfs: its commands, their options,
# and the project's resource names.
#
# Everything offered comes from lockfs itself, so the completion cannot
# drift from the program: the commands from `lockfs --help`, a command's
# options from `lockfs COMMAND --help`, and the resource names from
# `lockfs [-C DIR] names PREFIX` (the project's set, patterns expanded).
# Needs nothing but bash; installed as "lockfs" in bash-completion's
# completions directory, or source it from ~/.bashrc.

# The completion function: COMP_WORDS and COMP_CWORD as bash sets them.
_lockfs()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local prog=${COMP_WORDS[0]} i word cmd= cmd_at=0 dashdash=0 npos=0
	local -a global=()

	COMPREPLY=()
	# Global options come before the command: -C DIR picks the project.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			case $word in
			-C)
				global=(-C "${COMP_WORDS[i+1]/#\~/$HOME}")
				i=$((i + 1))
				;;
			-*) ;;
			*)
				cmd=$word
				cmd_at=$i
				;;
			esac
		elif [[ $word == -- ]]; then
			dashdash=$i
			break
		fi
	done

	if [[ -z $cmd ]]; then
		if [[ $prev == -C ]]; then
			mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		elif [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '-C --help --version' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W \
				"$("$prog" --help 2>/dev/null |
				   sed -nE 's/^  ([a-z][a-z-]*) .*/\1/p')" -- "$cur")
		fi
		return 0
	fi

	# After "lockfs run RES... --": the command to run, then its files.
	if ((dashdash)); then
		if ((COMP_CWORD == dashdash + 1)); then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi

	# The option lines of the command's help: "  -w, --wait SECS   ...".
	local options
	options=$("$prog" "$cmd" --help 2>/dev/null | grep -E '^ +-')
	# An option that takes a value (shown as "--wait SECS") gets no names.
	if [[ $prev == -* ]] && grep -qE -- "(^|[ ,])$prev [A-Z]" <<<"$options"; then
		return 0
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W \
			"$(grep -oE -- '--[a-z][a-z-]*' <<<"$options")" -- "$cur")
		return 0
	fi

	# Count the positional words before this one (skipping option values).
	for ((i = cmd_at + 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == -* ]]; then
			grep -qE -- "(^|[ ,])$word [A-Z]" <<<"$options" && i=$((i + 1))
			continue
		fi
		npos=$((npos + 1))
	done
	case $cmd in
	acquire | release | renew | run)
		mapfile -t COMPREPLY < <("$prog" "${global[@]}" names "$cur" 2>/dev/null)
		;;
	check)
		((npos == 0)) &&
			mapfile -t COMPREPLY < <("$prog" "${global[@]}" names "$cur" 2>/dev/null)
		;;
	mount | umount)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		;;
	esac
	return 0
}

complete -F _lockfs lockfs
