# bash completion for mqsub(1)                             -*- shell-script -*-
# Installed as share/bash-completion/completions/mqsub.

# _mq_words: cur and prev without bash-completion's _init_completion,
# an OPTION=VALUE word included (bash splits it at the "=").
_mq_words()
{
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && (( COMP_CWORD >= 2 )); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	if [[ $cur == -*=* ]]; then   # not split (COMP_WORDBREAKS without =)
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
}

# _mq_files [-d]: file (or directory) names, with or without bash-completion.
_mq_files()
{
	if declare -F _filedir >/dev/null 2>&1; then
		_filedir "$@"
	else
		compopt -o filenames 2>/dev/null
		if [ "${1-}" = -d ]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
	fi
}

_mqsub()
{
	local cur prev words cword split
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -s || return   # -s: OPTION=VALUE words too
	else
		_mq_words
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
		_mq_files
		return
		;;
	--password-file|--unix)
		_mq_files
		return
		;;
	--cafile|--cert|--key|--key-password-file)
		_mq_files
		return
		;;
	--capath|--state-dir)
		_mq_files -d
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
	--will-payload-format)
		COMPREPLY=($(compgen -W 'utf8 bytes' -- "$cur"))
		return
		;;
	--json-payload)
		COMPREPLY=($(compgen -W 'auto json string base64' -- "$cur"))
		return
		;;
	--color)
		COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
		return
		;;
	--retain-handling)
		COMPREPLY=($(compgen -W '0 1 2' -- "$cur"))
		return
		;;
	--on-fail)
		COMPREPLY=($(compgen -W 'retry skip publish:' -- "$cur"))
		return
		;;
	--exec)
		COMPREPLY=($(compgen -c -- "$cur"))
		return
		;;
	-V|--protocol-version)
		COMPREPLY=($(compgen -W '5 311 mqttv5 mqttv311' -- "$cur"))
		return
		;;
	-D|--property)
		COMPREPLY=($(compgen -W 'connect subscribe will' -- "$cur"))
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
	-p|--port|-L|--url|-i|--id|-I|--id-prefix|-k|--keepalive|-u|--username|-P|--pw|--password-command|--key-password|-x|--session-expiry|-W|--timeout|--will-topic|--will-payload|--receive-maximum|--maximum-packet-size|--connect-user-property|--will-delay|--will-expiry|--will-content-type|--will-response-topic|--will-correlation-data|--will-user-property|--max-inflight|--reconnect-min|--reconnect-max|--reconnect-tries|--psk|--psk-identity|--ciphers|--alpn|--pin-sha256|--proxy|--ws-path|--ws-header|-M|-A|--bind-address|--tls-alpn|-t|--topic|-T|--filter-out|-F|--format|-C|--count|-U|--unsubscribe|--sub-id|-j|--jobs|--exec-timeout|--exec-tries)
		# free-form argument: nothing to offer
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '--host --port --url --id --id-prefix --keepalive --protocol-version --username --pw --password-file --password-command --key-password --config --no-config --profile --list-profiles --no-clean --session-expiry --qos --timeout --will-topic --will-payload --will-qos --will-retain --unix --proxy --proxy-from-env --ws-path --ws-header --bind-address --nodelay --quiet --tls-alpn --tls-use-os-certs --receive-maximum --maximum-packet-size --connect-user-property --request-response-info --property --will-delay --will-expiry --will-content-type --will-response-topic --will-correlation-data --will-user-property --will-payload-format --max-inflight --reconnect-min --reconnect-max --reconnect-tries --no-reconnect --state-dir --strict --debug --help --version --tls --cafile --capath --insecure --cert --key --key-password-file --psk --psk-identity --tls-version --ciphers --alpn --pin-sha256 --tls-servername --tls-resume --topic --filter-out --verbose --no-newline --count --no-retained --retained-only --exit-after-sub --format --null --json --json-payload --hex --base64 --pretty --color --no-local --retain-as-published --retain-handling --sub-id --unsubscribe --remove-retained --exec --jobs --exec-timeout --exec-tries --on-fail --reply
		    -h -p -L -i -I -k -V -u -P -c -x -q -W -d -M -A -D -t -T -v -N -C -R -E -F -0 -U -j' -- "$cur"))
	fi
} &&
	complete -F _mqsub mqsub

# ex: filetype=sh
