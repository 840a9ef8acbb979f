
use builtin;
use str;

set edit:completion:arg-completer[kubectl-ramp] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kubectl-ramp'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kubectl-ramp'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand start 'Start a rollout: create the contender and go to the first step'
            cand step 'Go to the next step (or --to a given one)'
            cand promote 'Skip the remaining steps: the Deployment takes the new version'
            cand abort 'Roll back: all traffic to the incumbent, the contender removed'
            cand run 'Drive a rollout by itself: after each step wait, analyse, go on; roll back when the analysis fails. Resumes where any command left it'
            cand pause 'Stop a running `run` at its current step; `run` carries on'
            cand status 'Show the rollout of a Deployment: phase, step, traffic and capacity'
            cand list 'List the rollouts: every Deployment with a record, its phase and step'
            cand ls 'List the rollouts: every Deployment with a record, its phase and step'
            cand cluster 'Register, check and list the clusters ramp rolls out to'
            cand version 'Show the version of kubectl-ramp and of the Kubernetes API server'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-ramp;start'= {
            cand --image 'The new image, as [CONTAINER=]IMAGE (repeatable; CONTAINER may be left out when the pod has one container)'
            cand -f 'The new version of the Deployment as a manifest; its pod template becomes the contender''s'
            cand --filename 'The new version of the Deployment as a manifest; its pod template becomes the contender''s'
            cand --strategy 'canary, vanguard, blue-green, or a strategy file in Shipper''s step format'
            cand --steps 'The contender''s share at each step, e.g. 10,25,50,100'
            cand --router 'How traffic is split (default: found by looking at what routes to the Deployment''s Service)'
            cand --virtual-service 'The VirtualService to shift, when several route to the Service'
            cand --http-route 'The HTTPRoute to shift, when several route to the Service'
            cand --route 'Shift only the route (or HTTPRoute rule) with this name'
            cand --service 'The incumbent''s Service, when it is not found by its selector'
            cand --canary-namespace 'Run the contender and its Service in this namespace'
            cand --match-header 'Requests with this header go to the contender at every step, whatever the weights (A/B testing; istio and gateway-api)'
            cand --preview-header 'Blue-green: requests with this header reach the preview (istio and gateway-api); the same mechanism as --match-header'
            cand --scale-down-delay 'After the last step, keep the incumbent at full capacity this long, then promote (default: 30s for blue-green, none otherwise)'
            cand --analysis 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)'
            cand --prometheus 'The Prometheus the metrics are read from, e.g. http://prometheus:9090'
            cand --interval 'How long each step runs before its analysis (default 1m)'
            cand --window 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus'' scrape intervals, read from its configuration)'
            cand --failure-limit 'Failed checks at one step before the rollback (default 1)'
            cand --notify 'A Slack-compatible incoming webhook told of start, each step, promote and abort'
            cand --timeout 'How long to wait for pods to become ready, e.g. 90s, 5m'
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --on-failure 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -i 'After the first step, stay and ask what next: step, promote, abort or quit'
            cand --interactive 'After the first step, stay and ask what next: step, promote, abort or quit'
            cand --auto 'Then drive the rollout automatically, as `run` does'
            cand --no-promote 'Stay at the last step for a person instead of promoting'
            cand --dry-run 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;step'= {
            cand --to 'Go to this step, by number (from 1) or name'
            cand --timeout 'How long to wait for pods to become ready, e.g. 90s, 5m'
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --on-failure 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -i 'After the step, stay and ask what next: step, promote, abort or quit'
            cand --interactive 'After the step, stay and ask what next: step, promote, abort or quit'
            cand --dry-run 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;promote'= {
            cand --timeout 'How long to wait for pods to become ready, e.g. 90s, 5m'
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --on-failure 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --dry-run 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;abort'= {
            cand --reason 'Why, for the record and the Event'
            cand --timeout 'How long to wait for pods to become ready, e.g. 90s, 5m'
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --on-failure 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --dry-run 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;run'= {
            cand --analysis 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)'
            cand --prometheus 'The Prometheus the metrics are read from, e.g. http://prometheus:9090'
            cand --interval 'How long each step runs before its analysis (default 1m)'
            cand --window 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus'' scrape intervals, read from its configuration)'
            cand --failure-limit 'Failed checks at one step before the rollback (default 1)'
            cand --notify 'A Slack-compatible incoming webhook told of start, each step, promote and abort'
            cand --timeout 'How long to wait for pods to become ready, e.g. 90s, 5m'
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --on-failure 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --no-promote 'Stay at the last step for a person instead of promoting'
            cand --dry-run 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;pause'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;status'= {
            cand --timeout 'With --wait: give up after this long, e.g. 10m (exit 4); the rollout is not affected'
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -w 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s'
            cand --watch 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s'
            cand --wait 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;list'= {
            cand -l 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)'''
            cand --selector 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)'''
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -A 'In every namespace'
            cand --all-namespaces 'In every namespace'
            cand -w 'After the list, a line for each rollout whenever it changes'
            cand --watch 'After the list, a line for each rollout whenever it changes'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;ls'= {
            cand -l 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)'''
            cand --selector 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)'''
            cand --clusters 'These registered clusters, e.g. eu-1,us-1'
            cand --region 'The registered clusters of this region'
            cand --capability 'The registered clusters with this capability'
            cand --waves 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -A 'In every namespace'
            cand --all-namespaces 'In every namespace'
            cand -w 'After the list, a line for each rollout whenever it changes'
            cand --watch 'After the list, a line for each rollout whenever it changes'
            cand --all-clusters 'Every registered cluster'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;cluster'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand setup 'Check a kubeconfig context (--context) and register it'
            cand list 'The registered clusters: region, capabilities, reachable, routers'
            cand check 'Check the registered clusters (or one): reachable, routers, permissions'
            cand remove 'Forget a registered cluster'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-ramp;cluster;setup'= {
            cand --name 'The name to register it under (default: the context''s)'
            cand --region 'Its region, for --region and --waves region'
            cand --capability 'A capability, for --capability (repeatable)'
            cand --token-ttl 'How long the printed kubeconfig''s token lives'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --create-rbac 'Create a ServiceAccount, Role and RoleBinding kubectl-ramp in the namespace (-n) holding exactly what ramp needs there'
            cand --print-kubeconfig 'Print a kubeconfig for CI that uses a short-lived token of that ServiceAccount'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;cluster;list'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;cluster;check'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;cluster;remove'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;cluster;help'= {
            cand setup 'Check a kubeconfig context (--context) and register it'
            cand list 'The registered clusters: region, capabilities, reachable, routers'
            cand check 'Check the registered clusters (or one): reachable, routers, permissions'
            cand remove 'Forget a registered cluster'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-ramp;cluster;help;setup'= {
        }
        &'kubectl-ramp;cluster;help;list'= {
        }
        &'kubectl-ramp;cluster;help;check'= {
        }
        &'kubectl-ramp;cluster;help;remove'= {
        }
        &'kubectl-ramp;cluster;help;help'= {
        }
        &'kubectl-ramp;version'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -n 'The namespace of the Deployment (default: the context''s namespace)'
            cand --namespace 'The namespace of the Deployment (default: the context''s namespace)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --client 'Only this program''s version; do not ask the API server'
            cand -y 'Answer yes to every prompt'
            cand --yes 'Answer yes to every prompt'
            cand --no-color 'Do not color the output (also: NO_COLOR=1)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-ramp;help'= {
            cand start 'Start a rollout: create the contender and go to the first step'
            cand step 'Go to the next step (or --to a given one)'
            cand promote 'Skip the remaining steps: the Deployment takes the new version'
            cand abort 'Roll back: all traffic to the incumbent, the contender removed'
            cand run 'Drive a rollout by itself: after each step wait, analyse, go on; roll back when the analysis fails. Resumes where any command left it'
            cand pause 'Stop a running `run` at its current step; `run` carries on'
            cand status 'Show the rollout of a Deployment: phase, step, traffic and capacity'
            cand list 'List the rollouts: every Deployment with a record, its phase and step'
            cand cluster 'Register, check and list the clusters ramp rolls out to'
            cand version 'Show the version of kubectl-ramp and of the Kubernetes API server'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kubectl-ramp;help;start'= {
        }
        &'kubectl-ramp;help;step'= {
        }
        &'kubectl-ramp;help;promote'= {
        }
        &'kubectl-ramp;help;abort'= {
        }
        &'kubectl-ramp;help;run'= {
        }
        &'kubectl-ramp;help;pause'= {
        }
        &'kubectl-ramp;help;status'= {
        }
        &'kubectl-ramp;help;list'= {
        }
        &'kubectl-ramp;help;cluster'= {
            cand setup 'Check a kubeconfig context (--context) and register it'
            cand list 'The registered clusters: region, capabilities, reachable, routers'
            cand check 'Check the registered clusters (or one): reachable, routers, permissions'
            cand remove 'Forget a registered cluster'
        }
        &'kubectl-ramp;help;cluster;setup'= {
        }
        &'kubectl-ramp;help;cluster;list'= {
        }
        &'kubectl-ramp;help;cluster;check'= {
        }
        &'kubectl-ramp;help;cluster;remove'= {
        }
        &'kubectl-ramp;help;version'= {
        }
        &'kubectl-ramp;help;help'= {
        }
    ]
    $completions[$command]
}
