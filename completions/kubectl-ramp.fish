# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_ramp_global_optspecs
    string join \n kubeconfig= context= n/namespace= o/output= y/yes no-color cluster= user= as= as-group= as-uid= s/server= token= certificate-authority= client-certificate= client-key= insecure-skip-tls-verify request-timeout= h/help V/version
end

function __fish_kubectl_ramp_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_ramp_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_ramp_using_subcommand
    set -l cmd (__fish_kubectl_ramp_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "start" -d 'Start a rollout: create the contender and go to the first step'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "step" -d 'Go to the next step (or --to a given one)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "promote" -d 'Skip the remaining steps: the Deployment takes the new version'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "abort" -d 'Roll back: all traffic to the incumbent, the contender removed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "run" -d 'Drive a rollout by itself: after each step wait, analyse, go on; roll back when the analysis fails. Resumes where any command left it'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "pause" -d 'Stop a running `run` at its current step; `run` carries on'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "status" -d 'Show the rollout of a Deployment: phase, step, traffic and capacity'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "list" -d 'List the rollouts: every Deployment with a record, its phase and step'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "ls" -d 'List the rollouts: every Deployment with a record, its phase and step'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "dashboard" -d 'Serve a live web page of the rollouts, with their steps, traffic and analysis, and buttons to step, promote, abort and pause'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "history" -d 'Show a Deployment\'s rollouts: the last ten that finished, and the one under way'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "undo" -d 'Go back to an earlier revision\'s pod template, by a canary with the steps of a normal start'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "freeze" -d 'Hold the rollouts of a namespace (or, with --all-namespaces, of the cluster) still: start, step, run, promote and undo refuse until it ends or is lifted; abort and pause never do'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "unfreeze" -d 'Lift the freeze of a namespace (or, with --all-namespaces, of the cluster)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "cluster" -d 'Register, check and list the clusters ramp rolls out to'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "version" -d 'Show the version of kubectl-ramp and of the Kubernetes API server'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l image -d 'The new image, as [CONTAINER=]IMAGE (repeatable; CONTAINER may be left out when the pod has one container)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s f -l filename -d 'The new version of the Deployment as a manifest (- for stdin; of several documents, the Deployment of that name); its pod template becomes the contender\'s' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l strategy -d 'canary, vanguard, blue-green, or a strategy file in Shipper\'s step format' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l steps -d 'The contender\'s share at each step, e.g. 10,25,50,100' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l mirror -d 'Copies this share of live requests to the contender before it takes any (its answers are dropped): on the first step when it gives the contender no traffic, else on a first step "shadow" (istio, gateway-api)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l router -d 'How traffic is split (default: found by looking at what routes to the Deployment\'s Service)' -r -f -a "istio\t''
gateway-api\t''
replicas\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l virtual-service -d 'The VirtualService to shift, when several route to the Service' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l http-route -d 'The HTTPRoute to shift, when several route to the Service' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l route -d 'Shift only the route (or HTTPRoute rule) with this name' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l service -d 'The incumbent\'s Service, when it is not found by its selector' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l canary-namespace -d 'Run the contender and its Service in this namespace' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l match-header -d 'Requests with this header go to the contender at every step, whatever the weights (A/B testing; istio and gateway-api)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l preview-header -d 'Blue-green: requests with this header reach the preview (istio and gateway-api); the same mechanism as --match-header' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l scale-down-delay -d 'After the last step, keep the incumbent at full capacity this long, then promote (default: 30s for blue-green, none otherwise)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l drain -d 'How long a version keeps its pods after the routes stopped sending to it, so that the gateway has followed them before the pods go (default 10s; 0s where no data plane lags behind the routes)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l analysis -d 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l prometheus -d 'The Prometheus the metrics are read from, e.g. http://prometheus:9090' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l interval -d 'How long each step runs before its analysis (default 1m)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l window -d 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus\' scrape intervals, read from its configuration)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l failure-limit -d 'Failed checks at one step before the rollback (default 1)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l outage-limit -d 'How long to hold the rollout at its step and try again while the API server cannot be reached, before giving up (default 5m)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l timeout -d 'How long to wait for pods to become ready, e.g. 90s, 5m' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l on-failure -d 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are; with --auto, a failed analysis then leaves the clusters paused at their step instead of rolling them back' -r -f -a "abort\t''
pause\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l notify -d 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l override-freeze -d 'Go on despite a freeze (see `freeze`), for this reason, recorded in the rollout\'s history and as an Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s i -l interactive -d 'After the first step, stay and ask what next: step, promote, abort or quit'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l auto -d 'Then drive the rollout automatically, as `run` does'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l no-promote -d 'Stay at the last step for a person instead of promoting'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l dry-run -d 'Send the writes with the API server\'s dryRun=All and print what would change; nothing is changed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand start" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l to -d 'Go to this step, by number (from 1) or name' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l timeout -d 'How long to wait for pods to become ready, e.g. 90s, 5m' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l on-failure -d 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are; with --auto, a failed analysis then leaves the clusters paused at their step instead of rolling them back' -r -f -a "abort\t''
pause\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l notify -d 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l override-freeze -d 'Go on despite a freeze (see `freeze`), for this reason, recorded in the rollout\'s history and as an Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -s i -l interactive -d 'After the step, stay and ask what next: step, promote, abort or quit'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l force -d 'Move on even though someone else changed what the rollout manages since ramp\'s last write (the changes are still reported)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l dry-run -d 'Send the writes with the API server\'s dryRun=All and print what would change; nothing is changed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand step" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l timeout -d 'How long to wait for pods to become ready, e.g. 90s, 5m' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l on-failure -d 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are; with --auto, a failed analysis then leaves the clusters paused at their step instead of rolling them back' -r -f -a "abort\t''
pause\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l notify -d 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l override-freeze -d 'Go on despite a freeze (see `freeze`), for this reason, recorded in the rollout\'s history and as an Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l force -d 'Move on even though someone else changed what the rollout manages since ramp\'s last write (the changes are still reported)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l dry-run -d 'Send the writes with the API server\'s dryRun=All and print what would change; nothing is changed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand promote" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l reason -d 'Why, for the record and the Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l timeout -d 'How long to wait for pods to become ready, e.g. 90s, 5m' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l on-failure -d 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are; with --auto, a failed analysis then leaves the clusters paused at their step instead of rolling them back' -r -f -a "abort\t''
pause\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l notify -d 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l override-freeze -d 'Go on despite a freeze (see `freeze`), for this reason, recorded in the rollout\'s history and as an Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l dry-run -d 'Send the writes with the API server\'s dryRun=All and print what would change; nothing is changed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand abort" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l analysis -d 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l prometheus -d 'The Prometheus the metrics are read from, e.g. http://prometheus:9090' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l interval -d 'How long each step runs before its analysis (default 1m)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l window -d 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus\' scrape intervals, read from its configuration)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l failure-limit -d 'Failed checks at one step before the rollback (default 1)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l outage-limit -d 'How long to hold the rollout at its step and try again while the API server cannot be reached, before giving up (default 5m)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l timeout -d 'How long to wait for pods to become ready, e.g. 90s, 5m' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l on-failure -d 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are; with --auto, a failed analysis then leaves the clusters paused at their step instead of rolling them back' -r -f -a "abort\t''
pause\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l notify -d 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l override-freeze -d 'Go on despite a freeze (see `freeze`), for this reason, recorded in the rollout\'s history and as an Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l no-promote -d 'Stay at the last step for a person instead of promoting'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l force -d 'Move on even though someone else changed what the rollout manages since ramp\'s last write (the changes are still reported)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l dry-run -d 'Send the writes with the API server\'s dryRun=All and print what would change; nothing is changed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand run" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand pause" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l timeout -d 'With --wait: give up after this long, e.g. 10m (exit 4); the rollout is not affected' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -s w -l watch -l wait -d 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand status" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s l -l selector -d 'Only Deployments with these labels, e.g. app=web or \'tier in (web,api)\'' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s A -l all-namespaces -d 'In every namespace'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s w -l watch -d 'After the list, a line for each rollout whenever it changes'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand list" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s l -l selector -d 'Only Deployments with these labels, e.g. app=web or \'tier in (web,api)\'' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s A -l all-namespaces -d 'In every namespace'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s w -l watch -d 'After the list, a line for each rollout whenever it changes'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand ls" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l port -d 'The port to listen on (0: any free one)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l address -d 'The address to listen on; anything but loopback lets other machines reach the page (the token is still needed)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -s A -l all-namespaces -d 'The rollouts of every namespace'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l open -d 'Open the page in the default browser'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l read-only -d 'Show the rollouts without the buttons that change them'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand dashboard" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand history" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l to-revision -d 'The revision to go back to, as `kubectl ramp history` and `kubectl rollout history` number them (default: the one before the current)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l strategy -d 'canary, vanguard, blue-green, or a strategy file in Shipper\'s step format' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l steps -d 'The contender\'s share at each step, e.g. 10,25,50,100' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l mirror -d 'Copies this share of live requests to the contender before it takes any (its answers are dropped): on the first step when it gives the contender no traffic, else on a first step "shadow" (istio, gateway-api)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l router -d 'How traffic is split (default: found by looking at what routes to the Deployment\'s Service)' -r -f -a "istio\t''
gateway-api\t''
replicas\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l virtual-service -d 'The VirtualService to shift, when several route to the Service' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l http-route -d 'The HTTPRoute to shift, when several route to the Service' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l route -d 'Shift only the route (or HTTPRoute rule) with this name' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l service -d 'The incumbent\'s Service, when it is not found by its selector' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l canary-namespace -d 'Run the contender and its Service in this namespace' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l match-header -d 'Requests with this header go to the contender at every step, whatever the weights (A/B testing; istio and gateway-api)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l preview-header -d 'Blue-green: requests with this header reach the preview (istio and gateway-api); the same mechanism as --match-header' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l scale-down-delay -d 'After the last step, keep the incumbent at full capacity this long, then promote (default: 30s for blue-green, none otherwise)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l drain -d 'How long a version keeps its pods after the routes stopped sending to it, so that the gateway has followed them before the pods go (default 10s; 0s where no data plane lags behind the routes)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l analysis -d 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l prometheus -d 'The Prometheus the metrics are read from, e.g. http://prometheus:9090' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l interval -d 'How long each step runs before its analysis (default 1m)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l window -d 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus\' scrape intervals, read from its configuration)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l failure-limit -d 'Failed checks at one step before the rollback (default 1)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l outage-limit -d 'How long to hold the rollout at its step and try again while the API server cannot be reached, before giving up (default 5m)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l timeout -d 'How long to wait for pods to become ready, e.g. 90s, 5m' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l clusters -d 'These registered clusters, e.g. eu-1,us-1' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l region -d 'The registered clusters of this region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l capability -d 'The registered clusters with this capability' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l waves -d 'Roll out region by region: each region through all its steps (and promoted) before the next begins; with --auto (or `run`), driven by itself, each region analysed on its own. Without it, all clusters move in lock-step' -r -f -a "region\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l on-failure -d 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are; with --auto, a failed analysis then leaves the clusters paused at their step instead of rolling them back' -r -f -a "abort\t''
pause\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l notify -d 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l override-freeze -d 'Go on despite a freeze (see `freeze`), for this reason, recorded in the rollout\'s history and as an Event' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -s i -l interactive -d 'After the first step, stay and ask what next: step, promote, abort or quit'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l auto -d 'Then drive the rollout automatically, as `run` does'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l no-promote -d 'Stay at the last step for a person instead of promoting'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l dry-run -d 'Send the writes with the API server\'s dryRun=All and print what would change; nothing is changed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l all-clusters -d 'Every registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand undo" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l reason -d 'Why, for whoever\'s rollout it stops' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l until -d 'When the freeze ends by itself: a time (2026-12-01T08:00:00Z) or a duration from now (2h); without it, until `unfreeze`' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -s A -l all-namespaces -d 'Freeze the whole cluster (kept in the cluster\'s freeze namespace, see `cluster setup --freeze-namespace`), not one namespace'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand freeze" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -s A -l all-namespaces -d 'Lift the cluster-wide freeze, not the namespace\'s'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand unfreeze" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -f -a "setup" -d 'Check a kubeconfig context (--context) and register it'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -f -a "list" -d 'The registered clusters: region, capabilities, reachable, routers'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -f -a "check" -d 'Check the registered clusters (or one): reachable, routers, permissions'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -f -a "remove" -d 'Forget a registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and not __fish_seen_subcommand_from setup list check remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l name -d 'The name to register it under (default: the context\'s)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l region -d 'Its region, for --region and --waves region' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l capability -d 'A capability, for --capability (repeatable)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l freeze-namespace -d 'The namespace that holds the cluster-wide freeze (`freeze --all-namespaces`), registered with the cluster; with --create-rbac, ramp\'s ServiceAccount may read it there (default: kube-system)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l prometheus -d 'The Prometheus the analysis of this cluster reads (instead of --prometheus), e.g. http://prometheus.eu-1:9090' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l prometheus-label -d 'A label matcher added to every series this cluster\'s analysis reads, e.g. cluster=eu-1 for a Prometheus (or Thanos) that sees several (repeatable)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l token-ttl -d 'How long the printed kubeconfig\'s token lives' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l create-rbac -d 'Create a ServiceAccount, Role and RoleBinding kubectl-ramp in the namespace (-n) holding exactly what ramp needs there'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l print-kubeconfig -d 'Print a kubeconfig for CI that uses a short-lived token of that ServiceAccount'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from setup" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "setup" -d 'Check a kubeconfig context (--context) and register it'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "list" -d 'The registered clusters: region, capabilities, reachable, routers'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check the registered clusters (or one): reachable, routers, permissions'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Forget a registered cluster'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -s n -l namespace -d 'The namespace of the Deployment (default: the context\'s namespace)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l cluster -d 'The kubeconfig cluster to use (not --clusters, ramp\'s registered clusters)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l as -d 'Act as this user (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l as-group -d 'Act as this group, repeatable (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l as-uid -d 'Act as this UID (impersonation)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -s s -l server -d 'The API server\'s address, e.g. https://10.0.0.1:6443' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l token -d 'A bearer token to authenticate with' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l certificate-authority -d 'A certificate file of the certificate authority' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l client-certificate -d 'A client certificate file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l client-key -d 'A client key file for TLS' -r -F
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l request-timeout -d 'How long one request may take, e.g. 1s, 2m (0: no limit)' -r
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l client -d 'Only this program\'s version; do not ask the API server'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -s y -l yes -d 'Answer yes to every prompt'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l no-color -d 'Do not color the output (also: NO_COLOR=1)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -l insecure-skip-tls-verify -d 'Do not check the server\'s certificate (insecure)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "start" -d 'Start a rollout: create the contender and go to the first step'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "step" -d 'Go to the next step (or --to a given one)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "promote" -d 'Skip the remaining steps: the Deployment takes the new version'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "abort" -d 'Roll back: all traffic to the incumbent, the contender removed'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "run" -d 'Drive a rollout by itself: after each step wait, analyse, go on; roll back when the analysis fails. Resumes where any command left it'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "pause" -d 'Stop a running `run` at its current step; `run` carries on'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "status" -d 'Show the rollout of a Deployment: phase, step, traffic and capacity'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "list" -d 'List the rollouts: every Deployment with a record, its phase and step'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "dashboard" -d 'Serve a live web page of the rollouts, with their steps, traffic and analysis, and buttons to step, promote, abort and pause'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "history" -d 'Show a Deployment\'s rollouts: the last ten that finished, and the one under way'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "undo" -d 'Go back to an earlier revision\'s pod template, by a canary with the steps of a normal start'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "freeze" -d 'Hold the rollouts of a namespace (or, with --all-namespaces, of the cluster) still: start, step, run, promote and undo refuse until it ends or is lifted; abort and pause never do'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "unfreeze" -d 'Lift the freeze of a namespace (or, with --all-namespaces, of the cluster)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "cluster" -d 'Register, check and list the clusters ramp rolls out to'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "version" -d 'Show the version of kubectl-ramp and of the Kubernetes API server'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and not __fish_seen_subcommand_from start step promote abort run pause status list dashboard history undo freeze unfreeze cluster version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "setup" -d 'Check a kubeconfig context (--context) and register it'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "list" -d 'The registered clusters: region, capabilities, reachable, routers'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "check" -d 'Check the registered clusters (or one): reachable, routers, permissions'
complete -c kubectl-ramp -n "__fish_kubectl_ramp_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "remove" -d 'Forget a registered cluster'
