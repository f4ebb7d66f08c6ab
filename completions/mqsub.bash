# bash completion for mqsub(1)                             -*- shell-script -*-
# Installed as share/bash-completion/completions/mqsub.

_mqsub()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	fi

	case $prev in
	--profile)
		# the profile names of the config file (or of --config FILE)
		local i conf=()
		for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
			[[ ${COMP_WORDS[i]} == --config ]] && conf=(--config "${COMP_WORDS[i+1]}")
		done
		COMPREPLY=($(compgen -W "$(mqsub "${conf[@]}" --list-profiles 2>/dev/null)" -- "$cur"))
		return
		;;
	--config)
		if declare -F _filedir >/dev/null 2>&1; then
			_filedir
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return
		;;
	--password-file)
		if declare -F _filedir >/dev/null 2>&1; then
			_filedir
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return
		;;
	--cafile|--cert|--key|--key-password-file)
		if declare -F _filedir >/dev/null 2>&1; then
			_filedir
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		return
		;;
	--capath|--state-dir)
		if declare -F _filedir >/dev/null 2>&1; then
			_filedir -d
		else
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		return
		;;
	--tls-version)
		COMPREPLY=($(compgen -W '1.2' -- "$cur"))
		return
		;;
	-q|--qos|--will-qos)
		COMPREPLY=($(compgen -W '0 1 2' -- "$cur"))
		return
		;;
	-V|--protocol-version)
		COMPREPLY=($(compgen -W '311 5' -- "$cur"))
		return
		;;
	-h|--host|--tls-servername)
		if declare -F _known_hosts_real >/dev/null 2>&1; then
			_known_hosts_real -- "$cur"
		else
			COMPREPLY=($(compgen -A hostname -- "$cur"))
		fi
		return
		;;
	-p|--port|-L|--url|-i|--id|-I|--id-prefix|-k|--keepalive|-u|--username|-P|--pw|--password-command|--key-password|-x|--session-expiry|-W|--timeout|--will-topic|--will-payload|--max-inflight|--reconnect-min|--reconnect-max|--reconnect-tries|--psk|--psk-identity|--ciphers|--alpn|--pin-sha256|-t|--topic|-T|--filter-out|-C|--count)
		# free-form argument: nothing to offer
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '--host --port --url --id --id-prefix --keepalive --protocol-version --username --pw --password-file --password-command --no-clean --session-expiry --qos --timeout --will-topic --will-payload --will-qos --will-retain --max-inflight --reconnect-min --reconnect-max --reconnect-tries --no-reconnect --state-dir --debug --help --version --config --no-config --profile --list-profiles --tls --cafile --capath --insecure --cert --key --key-password-file --key-password --psk --psk-identity --tls-version --ciphers --alpn --pin-sha256 --tls-servername --topic --filter-out --verbose --no-newline --count --no-retained --retained-only --exit-after-sub
		    -h -p -L -i -I -k -V -u -P -c -x -q -W -d -t -T -v -N -C -R -E' -- "$cur"))
	fi
} &&
	complete -F _mqsub mqsub

# ex: filetype=sh
