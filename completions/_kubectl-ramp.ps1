
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-ramp' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-ramp'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-ramp' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a rollout: create the contender and go to the first step')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'Go to the next step (or --to a given one)')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Skip the remaining steps: the Deployment takes the new version')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Roll back: all traffic to the incumbent, the contender removed')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Drive a rollout by itself: after each step wait, analyse, go on; roll back when the analysis fails. Resumes where any command left it')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop a running `run` at its current step; `run` carries on')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the rollout of a Deployment: phase, step, traffic and capacity')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rollouts: every Deployment with a record, its phase and step')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List the rollouts: every Deployment with a record, its phase and step')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Register, check and list the clusters ramp rolls out to')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Show the version of kubectl-ramp and of the Kubernetes API server')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-ramp;start' {
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The new image, as [CONTAINER=]IMAGE (repeatable; CONTAINER may be left out when the pod has one container)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The new version of the Deployment as a manifest (- for stdin; of several documents, the Deployment of that name); its pod template becomes the contender''s')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'The new version of the Deployment as a manifest (- for stdin; of several documents, the Deployment of that name); its pod template becomes the contender''s')
            [CompletionResult]::new('--strategy', '--strategy', [CompletionResultType]::ParameterName, 'canary, vanguard, blue-green, or a strategy file in Shipper''s step format')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'The contender''s share at each step, e.g. 10,25,50,100')
            [CompletionResult]::new('--router', '--router', [CompletionResultType]::ParameterName, 'How traffic is split (default: found by looking at what routes to the Deployment''s Service)')
            [CompletionResult]::new('--virtual-service', '--virtual-service', [CompletionResultType]::ParameterName, 'The VirtualService to shift, when several route to the Service')
            [CompletionResult]::new('--http-route', '--http-route', [CompletionResultType]::ParameterName, 'The HTTPRoute to shift, when several route to the Service')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Shift only the route (or HTTPRoute rule) with this name')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The incumbent''s Service, when it is not found by its selector')
            [CompletionResult]::new('--canary-namespace', '--canary-namespace', [CompletionResultType]::ParameterName, 'Run the contender and its Service in this namespace')
            [CompletionResult]::new('--match-header', '--match-header', [CompletionResultType]::ParameterName, 'Requests with this header go to the contender at every step, whatever the weights (A/B testing; istio and gateway-api)')
            [CompletionResult]::new('--preview-header', '--preview-header', [CompletionResultType]::ParameterName, 'Blue-green: requests with this header reach the preview (istio and gateway-api); the same mechanism as --match-header')
            [CompletionResult]::new('--scale-down-delay', '--scale-down-delay', [CompletionResultType]::ParameterName, 'After the last step, keep the incumbent at full capacity this long, then promote (default: 30s for blue-green, none otherwise)')
            [CompletionResult]::new('--analysis', '--analysis', [CompletionResultType]::ParameterName, 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'The Prometheus the metrics are read from, e.g. http://prometheus:9090')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How long each step runs before its analysis (default 1m)')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus'' scrape intervals, read from its configuration)')
            [CompletionResult]::new('--failure-limit', '--failure-limit', [CompletionResultType]::ParameterName, 'Failed checks at one step before the rollback (default 1)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for pods to become ready, e.g. 90s, 5m')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'After the first step, stay and ask what next: step, promote, abort or quit')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'After the first step, stay and ask what next: step, promote, abort or quit')
            [CompletionResult]::new('--auto', '--auto', [CompletionResultType]::ParameterName, 'Then drive the rollout automatically, as `run` does')
            [CompletionResult]::new('--no-promote', '--no-promote', [CompletionResultType]::ParameterName, 'Stay at the last step for a person instead of promoting')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;step' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Go to this step, by number (from 1) or name')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for pods to become ready, e.g. 90s, 5m')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'After the step, stay and ask what next: step, promote, abort or quit')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'After the step, stay and ask what next: step, promote, abort or quit')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;promote' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for pods to become ready, e.g. 90s, 5m')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;abort' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, for the record and the Event')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for pods to become ready, e.g. 90s, 5m')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;run' {
            [CompletionResult]::new('--analysis', '--analysis', [CompletionResultType]::ParameterName, 'The analysis: metrics and thresholds, webhooks (YAML; see examples/analysis/)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'The Prometheus the metrics are read from, e.g. http://prometheus:9090')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How long each step runs before its analysis (default 1m)')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'How much of the metrics each check reads, e.g. 2m (default: the interval, but at least two of Prometheus'' scrape intervals, read from its configuration)')
            [CompletionResult]::new('--failure-limit', '--failure-limit', [CompletionResultType]::ParameterName, 'Failed checks at one step before the rollback (default 1)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for pods to become ready, e.g. 90s, 5m')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--on-failure', '--on-failure', [CompletionResultType]::ParameterName, 'When one of several clusters fails: abort the rollout everywhere (default), or pause, leaving the others where they are')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'A Slack-compatible incoming webhook told of each step reached, the promotion and an abort, naming the namespace, cluster and images')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('--no-promote', '--no-promote', [CompletionResultType]::ParameterName, 'Stay at the last step for a person instead of promoting')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Send the writes with the API server''s dryRun=All and print what would change; nothing is changed')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;pause' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;status' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --wait: give up after this long, e.g. 10m (exit 4); the rollout is not affected')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Keep watching: show the status again whenever it changes, until the rollout ends; exit 0 when it succeeded, 3 when it was aborted (the CI gate). Without a TTY, a timestamped line on stderr every 30s')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;list' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)''')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'In every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'In every namespace')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'After the list, a line for each rollout whenever it changes')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After the list, a line for each rollout whenever it changes')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;ls' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)''')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Only Deployments with these labels, e.g. app=web or ''tier in (web,api)''')
            [CompletionResult]::new('--clusters', '--clusters', [CompletionResultType]::ParameterName, 'These registered clusters, e.g. eu-1,us-1')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The registered clusters of this region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'The registered clusters with this capability')
            [CompletionResult]::new('--waves', '--waves', [CompletionResultType]::ParameterName, 'Roll out region by region: each region through all its steps (and promoted) before the next begins. Without it, all clusters move in lock-step')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'In every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'In every namespace')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'After the list, a line for each rollout whenever it changes')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After the list, a line for each rollout whenever it changes')
            [CompletionResult]::new('--all-clusters', '--all-clusters', [CompletionResultType]::ParameterName, 'Every registered cluster')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;cluster' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Check a kubeconfig context (--context) and register it')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The registered clusters: region, capabilities, reachable, routers')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the registered clusters (or one): reachable, routers, permissions')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Forget a registered cluster')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-ramp;cluster;setup' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The name to register it under (default: the context''s)')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'Its region, for --region and --waves region')
            [CompletionResult]::new('--capability', '--capability', [CompletionResultType]::ParameterName, 'A capability, for --capability (repeatable)')
            [CompletionResult]::new('--token-ttl', '--token-ttl', [CompletionResultType]::ParameterName, 'How long the printed kubeconfig''s token lives')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('--create-rbac', '--create-rbac', [CompletionResultType]::ParameterName, 'Create a ServiceAccount, Role and RoleBinding kubectl-ramp in the namespace (-n) holding exactly what ramp needs there')
            [CompletionResult]::new('--print-kubeconfig', '--print-kubeconfig', [CompletionResultType]::ParameterName, 'Print a kubeconfig for CI that uses a short-lived token of that ServiceAccount')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;cluster;list' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;cluster;check' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;cluster;remove' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;cluster;help' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Check a kubeconfig context (--context) and register it')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The registered clusters: region, capabilities, reachable, routers')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the registered clusters (or one): reachable, routers, permissions')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Forget a registered cluster')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-ramp;cluster;help;setup' {
            break
        }
        'kubectl-ramp;cluster;help;list' {
            break
        }
        'kubectl-ramp;cluster;help;check' {
            break
        }
        'kubectl-ramp;cluster;help;remove' {
            break
        }
        'kubectl-ramp;cluster;help;help' {
            break
        }
        'kubectl-ramp;version' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace of the Deployment (default: the context''s namespace)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use (not --clusters, ramp''s registered clusters)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this user (impersonation)')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Act as this group, repeatable (impersonation)')
            [CompletionResult]::new('--as-uid', '--as-uid', [CompletionResultType]::ParameterName, 'Act as this UID (impersonation)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The API server''s address, e.g. https://10.0.0.1:6443')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A bearer token to authenticate with')
            [CompletionResult]::new('--certificate-authority', '--certificate-authority', [CompletionResultType]::ParameterName, 'A certificate file of the certificate authority')
            [CompletionResult]::new('--client-certificate', '--client-certificate', [CompletionResultType]::ParameterName, 'A client certificate file for TLS')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'A client key file for TLS')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long one request may take, e.g. 1s, 2m (0: no limit)')
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Only this program''s version; do not ask the API server')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every prompt')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Do not color the output (also: NO_COLOR=1)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not check the server''s certificate (insecure)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-ramp;help' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a rollout: create the contender and go to the first step')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'Go to the next step (or --to a given one)')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Skip the remaining steps: the Deployment takes the new version')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Roll back: all traffic to the incumbent, the contender removed')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Drive a rollout by itself: after each step wait, analyse, go on; roll back when the analysis fails. Resumes where any command left it')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Stop a running `run` at its current step; `run` carries on')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the rollout of a Deployment: phase, step, traffic and capacity')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the rollouts: every Deployment with a record, its phase and step')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Register, check and list the clusters ramp rolls out to')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Show the version of kubectl-ramp and of the Kubernetes API server')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-ramp;help;start' {
            break
        }
        'kubectl-ramp;help;step' {
            break
        }
        'kubectl-ramp;help;promote' {
            break
        }
        'kubectl-ramp;help;abort' {
            break
        }
        'kubectl-ramp;help;run' {
            break
        }
        'kubectl-ramp;help;pause' {
            break
        }
        'kubectl-ramp;help;status' {
            break
        }
        'kubectl-ramp;help;list' {
            break
        }
        'kubectl-ramp;help;cluster' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Check a kubeconfig context (--context) and register it')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'The registered clusters: region, capabilities, reachable, routers')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the registered clusters (or one): reachable, routers, permissions')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Forget a registered cluster')
            break
        }
        'kubectl-ramp;help;cluster;setup' {
            break
        }
        'kubectl-ramp;help;cluster;list' {
            break
        }
        'kubectl-ramp;help;cluster;check' {
            break
        }
        'kubectl-ramp;help;cluster;remove' {
            break
        }
        'kubectl-ramp;help;version' {
            break
        }
        'kubectl-ramp;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
