// Command podserver is the local plane's stand-in for a kubelet's container
// runtime. KWOK's fake nodes run pods only on paper; podserver makes every
// Running pod of its plane answer HTTP on its pod IP and on each TCP
// containerPort it declares, for as long as a kubelet would keep the
// container serving:
//
//   - a pod is marked Ready (its Ready and ContainersReady conditions) only
//     once all its ports listen and its readiness probes' initial delay
//     has passed, as a kubelet would have it;
//   - a deleted pod keeps serving through its preStop sleep (at most its
//     grace period), then stops listening, finishes the requests under way
//     (until the grace period ends) and is gone, as a process that exits on
//     SIGTERM would be.
//
// A response names the pod and its image. What a container does comes from
// its own environment, so that a test makes a bad version with nothing but
// a pod spec: DEMO_ERROR_RATE (the fraction of requests answered 500),
// DEMO_LATENCY_MS (the time before each answer) and DEMO_LATENCY_JITTER_MS
// (added to it, uniformly spread from minus to plus that much).
//
// It refuses to start unless the pod range is local to its network
// namespace: anywhere else a connection to a pod address would leave the
// machine by the default route.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the plane's kubeconfig")
	cidr := flag.String("pod-cidr", "", "the plane's pod range, which must be local to this network namespace")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	prefix, err := netip.ParsePrefix(*cidr)
	if err != nil {
		log.Printf("error: --pod-cidr %q: %v", *cidr, err)
		os.Exit(2)
	}
	if err := local(prefix); err != nil {
		log.Printf("error: refusing to start: %v", err)
		os.Exit(2)
	}

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("error: %v", err)
	}
	config.UserAgent = "ramp-testenv-podserver"
	client := kubernetes.NewForConfigOrDie(config)
	r := &runtime{client: client, pods: map[types.UID]*container{}, holders: map[string]*container{}}

	factory := informers.NewSharedInformerFactory(client, 0)
	informer := factory.Core().V1().Pods().Informer()
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.seen(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { r.seen(obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if gone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = gone.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				r.gone(pod)
			}
		},
	}); err != nil {
		log.Fatalf("error: %v", err)
	}
	log.Printf("serving the pods of %s", prefix)
	factory.Start(make(chan struct{}))
	select {}
}

// local fails unless an address of the pod range can be bound here, which
// is so only where the range is routed to the local loopback.
func local(prefix netip.Prefix) error {
	probe := prefix.Addr().Next()
	l, err := net.Listen("tcp", netip.AddrPortFrom(probe, 0).String())
	if err != nil {
		return fmt.Errorf("the pod range %s is not local to this network namespace (%v): connections to pod addresses would leave the machine; run it inside the plane's namespace, as tests/cluster/up does", prefix, err)
	}
	return l.Close()
}

type runtime struct {
	client *kubernetes.Clientset
	mu     sync.Mutex
	pods   map[types.UID]*container
	// Which container listens on each address.
	holders map[string]*container
}

// container is one pod's serving process, as far as the plane goes.
type container struct {
	name      string
	namespace string
	pod       string
	servers   []*http.Server
	addresses []string
	stopping  bool
}

func (r *runtime) seen(pod *corev1.Pod) {
	if pod.Spec.HostNetwork || pod.Spec.NodeName == "" || pod.Status.PodIP == "" {
		return
	}
	r.mu.Lock()
	c, known := r.pods[pod.UID]
	if !known {
		if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
			r.mu.Unlock()
			return
		}
		c = &container{name: pod.Namespace + "/" + pod.Name, namespace: pod.Namespace, pod: pod.Name}
		r.pods[pod.UID] = c
	}
	r.mu.Unlock()
	if !known {
		go r.run(c, pod.DeepCopy())
		return
	}
	if pod.DeletionTimestamp != nil {
		r.stop(pod.UID, pod)
	}
}

func (r *runtime) gone(pod *corev1.Pod) {
	r.stop(pod.UID, pod)
}

// run listens on every port of the pod, then marks it ready.
func (r *runtime) run(c *container, pod *corev1.Pod) {
	for _, ctr := range pod.Spec.Containers {
		behaviour := behaviourOf(ctr)
		for _, port := range ctr.Ports {
			if port.Protocol != "" && port.Protocol != corev1.ProtocolTCP {
				continue
			}
			address := net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(int(port.ContainerPort)))
			l, ok := r.listen(c, address)
			if !ok {
				return
			}
			server := &http.Server{
				Handler:           handler(pod, ctr, behaviour),
				ReadHeaderTimeout: 10 * time.Second,
			}
			r.mu.Lock()
			if c.stopping {
				r.mu.Unlock()
				l.Close()
				return
			}
			c.servers = append(c.servers, server)
			r.mu.Unlock()
			go server.Serve(l)
			log.Printf("%s: serving %s on %s", c.name, ctr.Image, address)
		}
	}
	// A readiness probe's initial delay holds the pod back, as a kubelet
	// does: it is not probed, hence not ready, before it.
	if delay := readinessDelay(pod); delay > 0 {
		time.Sleep(delay)
	}
	r.ready(c, pod)
}

// readinessDelay is the longest initial delay of the containers' readiness
// probes.
func readinessDelay(pod *corev1.Pod) time.Duration {
	longest := time.Duration(0)
	for _, ctr := range pod.Spec.Containers {
		if p := ctr.ReadinessProbe; p != nil {
			longest = max(longest, time.Duration(p.InitialDelaySeconds)*time.Second)
		}
	}
	return longest
}

// listen binds the address, waiting while a deleted pod that had the same
// address still drains; false when this pod went meanwhile, or when a pod
// that is not going holds the address.
//
// KWOK forgets the addresses it gave when it restarts, until it has seen
// the running pods again, and may give a new pod the address of a running
// one meanwhile. No container runtime would: the new pod is deleted, and
// its ReplicaSet makes it again, with an address of its own.
func (r *runtime) listen(c *container, address string) (net.Listener, bool) {
	for {
		l, err := net.Listen("tcp", address)
		if err == nil {
			r.mu.Lock()
			r.holders[address] = c
			c.addresses = append(c.addresses, address)
			r.mu.Unlock()
			return l, true
		}
		r.mu.Lock()
		stopping := c.stopping
		holder := r.holders[address]
		twice := errors.Is(err, syscall.EADDRINUSE) && holder != nil && holder != c && !holder.stopping
		r.mu.Unlock()
		if stopping {
			return nil, false
		}
		if twice {
			log.Printf("%s: its address %s is the running pod %s's (given twice by a restarted KWOK): deleting it, to be made again", c.name, address, holder.name)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := r.client.CoreV1().Pods(c.namespace).Delete(ctx, c.pod, metav1.DeleteOptions{})
			cancel()
			if err != nil {
				log.Printf("%s: cannot delete it: %v", c.name, err)
			}
			return nil, false
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			log.Printf("%s: cannot listen on %s: %v", c.name, address, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ready sets the pod's Ready and ContainersReady conditions, as the
// kubelet does once the readiness probes pass.
func (r *runtime) ready(c *container, pod *corev1.Pod) {
	now := metav1.Now()
	statuses := make([]corev1.ContainerStatus, 0, len(pod.Status.ContainerStatuses))
	for _, s := range pod.Status.ContainerStatuses {
		s.Ready = true
		started := true
		s.Started = &started
		statuses = append(statuses, s)
	}
	patch := map[string]any{"status": map[string]any{
		"conditions": []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		},
		"containerStatuses": statuses,
	}}
	body, _ := json.Marshal(patch)
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := r.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{}, "status")
		cancel()
		if err == nil {
			return
		}
		r.mu.Lock()
		stopping := c.stopping
		r.mu.Unlock()
		if stopping || strings.Contains(err.Error(), "not found") {
			return
		}
		if attempt%10 == 0 {
			log.Printf("%s: cannot mark it ready (retrying): %v", c.name, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// stop ends the pod's serving as the kubelet would: after its preStop
// sleep, the process stops listening and finishes what is under way until
// the grace period is over.
func (r *runtime) stop(uid types.UID, pod *corev1.Pod) {
	r.mu.Lock()
	c, ok := r.pods[uid]
	if !ok || c.stopping {
		r.mu.Unlock()
		return
	}
	c.stopping = true
	r.mu.Unlock()

	grace := 30 * time.Second
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	sleep := min(preStopSleep(pod), grace)
	log.Printf("%s: deleted; serving %s more (preStop sleep), grace period %s", c.name, sleep, grace)
	go func() {
		time.Sleep(sleep)
		r.mu.Lock()
		servers := c.servers
		r.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), grace-sleep)
		defer cancel()
		var wg sync.WaitGroup
		for _, s := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s.Shutdown(ctx) != nil {
					s.Close()
				}
			}()
		}
		wg.Wait()
		r.mu.Lock()
		delete(r.pods, uid)
		for _, a := range c.addresses {
			if r.holders[a] == c {
				delete(r.holders, a)
			}
		}
		r.mu.Unlock()
		log.Printf("%s: stopped", c.name)
	}()
}

// preStopSleep is the time a container's preStop hook sleeps: a `sleep`
// action, or an exec of `sleep N` (directly or through a shell).
func preStopSleep(pod *corev1.Pod) time.Duration {
	longest := time.Duration(0)
	for _, ctr := range pod.Spec.Containers {
		if ctr.Lifecycle == nil || ctr.Lifecycle.PreStop == nil {
			continue
		}
		hook := ctr.Lifecycle.PreStop
		var d time.Duration
		switch {
		case hook.Sleep != nil:
			d = time.Duration(hook.Sleep.Seconds) * time.Second
		case hook.Exec != nil:
			fields := strings.Fields(strings.Join(hook.Exec.Command, " "))
			for i, f := range fields {
				if (f == "sleep" || strings.HasSuffix(f, "/sleep")) && i+1 < len(fields) {
					if s, err := strconv.ParseFloat(fields[i+1], 64); err == nil {
						d = time.Duration(s * float64(time.Second))
					}
				}
			}
		}
		longest = max(longest, d)
	}
	return longest
}

type behaviour struct {
	errorRate float64
	latency   time.Duration
	jitter    time.Duration
}

func behaviourOf(ctr corev1.Container) behaviour {
	var b behaviour
	number := func(name string) float64 {
		for _, e := range ctr.Env {
			if e.Name == name {
				v, _ := strconv.ParseFloat(strings.TrimSpace(e.Value), 64)
				return v
			}
		}
		return 0
	}
	b.errorRate = number("DEMO_ERROR_RATE")
	b.latency = time.Duration(number("DEMO_LATENCY_MS") * float64(time.Millisecond))
	b.jitter = time.Duration(number("DEMO_LATENCY_JITTER_MS") * float64(time.Millisecond))
	return b
}

func handler(pod *corev1.Pod, ctr corev1.Container, b behaviour) http.Handler {
	answer, _ := json.Marshal(map[string]string{
		"pod":       pod.Name,
		"namespace": pod.Namespace,
		"node":      pod.Spec.NodeName,
		"container": ctr.Name,
		"image":     ctr.Image,
	})
	answer = append(answer, '\n')
	name := pod.Namespace + "/" + pod.Name
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		delay := b.latency
		if b.jitter > 0 {
			delay += time.Duration((rand.Float64()*2 - 1) * float64(b.jitter))
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		h := w.Header()
		h.Set("X-Pod", name)
		h.Set("X-Image", ctr.Image)
		h.Set("Content-Type", "application/json")
		if b.errorRate > 0 && rand.Float64() < b.errorRate {
			w.WriteHeader(http.StatusInternalServerError)
		}
		w.Write(answer)
	})
}
