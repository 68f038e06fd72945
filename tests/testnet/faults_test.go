package testnet

// Fault control for the reliability tests: every storage node and the satellite
// are reached by clients through a TCP proxy in this process, and a small HTTP
// server on loopback switches those proxies between three states:
//
//	up      relay both ways (the normal state)
//	down    refuse new connections (the listener is closed) and cut the open ones:
//	        to a client the node is gone, as if its process had died
//	frozen  accept new connections and hold them, relay nothing on any connection
//	        (data already read waits in the proxy): a peer that hangs without
//	        closing anything, like a process stopped with SIGSTOP
//
// The storage nodes advertise their proxy as their address (Contact.ExternalAddress),
// so the satellite hands the proxies' addresses to uplinks in its order limits; the
// nodes themselves, the satellite and testplanet's own uplink keep working directly.
// The info file's satellite_url and access grant name the satellite's proxy.
//
// The control endpoint (its address is "control" in the info file):
//
//	GET  /status                      JSON: the state of every proxy
//	POST /nodes/<i>/<action>          action: stop, start, freeze, thaw (i from 0)
//	POST /satellite/<action>          action: freeze, thaw, stop, start
//
// A POST may carry ?restore_after=<seconds>: the proxy returns to "up" by itself after
// that time, so a test that dies mid-fault cannot leave the shared network broken.
// Starting or thawing a node also marks it online in the satellite's overlay and refreshes the
// node selection caches, so the satellite uses it again at once.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"storj.io/common/pb"
	"storj.io/storj/private/testplanet"
	"storj.io/storj/satellite/overlay"
	"storj.io/storj/storagenode"
)

type proxyState string

const (
	stateUp     proxyState = "up"
	stateDown   proxyState = "down"
	stateFrozen proxyState = "frozen"
)

// faultProxy relays TCP connections from its own address to a target address.
type faultProxy struct {
	name   string
	addr   string // the proxy's own address, stable across stop/start
	target string

	mu       sync.Mutex
	cond     *sync.Cond // broadcast on every state change
	state    proxyState
	listener net.Listener
	conns    map[net.Conn]struct{} // every open connection, client and target side
	restore  *time.Timer
}

func newFaultProxy(name, target string) (*faultProxy, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &faultProxy{
		name:     name,
		addr:     listener.Addr().String(),
		target:   target,
		state:    stateUp,
		listener: listener,
		conns:    map[net.Conn]struct{}{},
	}
	p.cond = sync.NewCond(&p.mu)
	go p.serve(listener)
	return p, nil
}

func (p *faultProxy) serve(listener net.Listener) {
	for {
		conn, err := listener.Accept()
		if err != nil {
			return // closed by stop
		}
		if !p.track(conn) {
			_ = conn.Close()
			continue
		}
		go p.handle(conn)
	}
}

// track registers conn; false when the proxy is down.
func (p *faultProxy) track(conn net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == stateDown {
		return false
	}
	p.conns[conn] = struct{}{}
	return true
}

func (p *faultProxy) untrack(conn net.Conn) {
	p.mu.Lock()
	delete(p.conns, conn)
	p.mu.Unlock()
	_ = conn.Close()
}

// waitRelay blocks while the proxy is frozen; false when the connection must end.
func (p *faultProxy) waitRelay(conn net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.state == stateFrozen {
		if _, open := p.conns[conn]; !open {
			return false
		}
		p.cond.Wait()
	}
	_, open := p.conns[conn]
	return p.state == stateUp && open
}

func (p *faultProxy) handle(client net.Conn) {
	defer p.untrack(client)
	// A frozen proxy holds a new connection without dialing the target.
	if !p.waitRelay(client) {
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		_ = server.Close()
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	go func() { p.relay(server, client); done <- struct{}{} }()
	go func() { p.relay(client, server); done <- struct{}{} }()
	<-done
	// One direction ended: close both sides so the other copy ends too.
	p.untrack(client)
	p.untrack(server)
	<-done
}

// relay copies from src to dst, holding each chunk while the proxy is frozen.
func (p *faultProxy) relay(dst, src net.Conn) {
	buf := make([]byte, 64*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitRelay(src) || !p.waitRelay(dst) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or error: handle closes both sides
		}
	}
}

// set moves the proxy to state; restoreAfter > 0 schedules a return to "up".
func (p *faultProxy) set(state proxyState, restoreAfter time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.restore != nil {
		p.restore.Stop()
		p.restore = nil
	}
	if err := p.setLocked(state); err != nil {
		return err
	}
	if restoreAfter > 0 && state != stateUp {
		p.restore = time.AfterFunc(restoreAfter, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			_ = p.setLocked(stateUp)
		})
	}
	return nil
}

func (p *faultProxy) setLocked(state proxyState) error {
	if state == p.state {
		return nil
	}
	if state == stateDown {
		_ = p.listener.Close()
		for conn := range p.conns {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // reset, as a dead peer's kernel would
			}
			_ = conn.Close()
			delete(p.conns, conn)
		}
	} else if p.state == stateDown {
		listener, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("%s: listening again on %s: %w", p.name, p.addr, err)
		}
		p.listener = listener
		go p.serve(listener)
	}
	p.state = state
	p.cond.Broadcast()
	return nil
}

func (p *faultProxy) status() proxyState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *faultProxy) close() {
	_ = p.set(stateDown, 0)
}

// nodeProxies are made while testplanet configures the storage nodes, before the
// planet exists: each node listens on a port picked here, and advertises its proxy.
var nodeProxies = struct {
	sync.Mutex
	byIndex map[int]*faultProxy
}{byIndex: map[int]*faultProxy{}}

func freeLoopbackAddress() (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := listener.Addr().String()
	return addr, listener.Close()
}

// reconfigureNodeProxy gives storage node index a fixed listen address and a proxy
// in front of it, which the node advertises to the satellite.
func reconfigureNodeProxy(index int, config *storagenode.Config) {
	addr, err := freeLoopbackAddress()
	if err != nil {
		panic(fmt.Sprintf("storage node %d: %v", index, err))
	}
	proxy, err := newFaultProxy(fmt.Sprintf("storage node %d", index), addr)
	if err != nil {
		panic(fmt.Sprintf("storage node %d: %v", index, err))
	}
	config.Server.Address = addr
	config.Contact.ExternalAddress = proxy.addr
	nodeProxies.Lock()
	if old := nodeProxies.byIndex[index]; old != nil {
		old.close()
	}
	nodeProxies.byIndex[index] = proxy
	nodeProxies.Unlock()
}

func nodeProxy(index int) *faultProxy {
	nodeProxies.Lock()
	defer nodeProxies.Unlock()
	return nodeProxies.byIndex[index]
}

// faultControl serves the control endpoint for one planet.
type faultControl struct {
	planet    *testplanet.Planet
	satellite *faultProxy
	nodes     []*faultProxy
}

// startFaultControl puts a proxy in front of the satellite, points the satellite's
// overlay at the nodes' proxies, and serves the control endpoint until ctx ends.
// It returns the control address and the satellite proxy's address.
func startFaultControl(ctx context.Context, planet *testplanet.Planet) (*faultControl, string, error) {
	sat := planet.Satellites[0]
	satProxy, err := newFaultProxy("satellite", sat.Addr())
	if err != nil {
		return nil, "", err
	}
	control := &faultControl{planet: planet, satellite: satProxy}
	for i, node := range planet.StorageNodes {
		proxy := nodeProxy(i)
		if proxy == nil || proxy.target != node.Addr() {
			return nil, "", fmt.Errorf("storage node %d (%s) has no proxy", i, node.Addr())
		}
		control.nodes = append(control.nodes, proxy)
		if err := control.checkIn(ctx, i); err != nil {
			return nil, "", err
		}
	}
	if err := control.refreshSelection(ctx); err != nil {
		return nil, "", err
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	server := &http.Server{Handler: control, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(listener) }()
	go func() {
		<-ctx.Done()
		_ = server.Close()
		satProxy.close()
		for _, p := range control.nodes {
			p.close()
		}
	}()
	return control, listener.Addr().String(), nil
}

// checkIn records node i as online at its proxy's address, as a successful contact would.
func (c *faultControl) checkIn(ctx context.Context, i int) error {
	node := c.planet.StorageNodes[i]
	sat := c.planet.Satellites[0]
	self := node.Contact.Service.Local()
	available, err := node.Storage2.Monitor.AvailableSpace(ctx)
	if err != nil {
		return err
	}
	_, _, lastNet, err := sat.Overlay.Service.ResolveIPAndNetwork(ctx, c.nodes[i].addr)
	if err != nil {
		return err
	}
	return sat.DB.OverlayCache().UpdateCheckIn(ctx, overlay.NodeCheckInInfo{
		NodeID:     node.ID(),
		Address:    &pb.NodeAddress{Address: c.nodes[i].addr},
		IsUp:       true,
		Version:    &self.Version,
		LastNet:    lastNet,
		LastIPPort: c.nodes[i].addr,
		Capacity:   &pb.NodeCapacity{FreeDisk: available},
		Operator: &pb.NodeOperator{
			Email:  node.Config.Operator.Email,
			Wallet: node.Config.Operator.Wallet,
		},
	}, time.Now(), sat.Config.Overlay.Node)
}

func (c *faultControl) refreshSelection(ctx context.Context) error {
	sat := c.planet.Satellites[0]
	if err := sat.Overlay.UploadSelectionCache.Refresh(ctx); err != nil {
		return err
	}
	return sat.Overlay.DownloadSelectionCache.Refresh(ctx)
}

func (c *faultControl) states() map[string]interface{} {
	nodes := make([]map[string]string, len(c.nodes))
	for i, p := range c.nodes {
		nodes[i] = map[string]string{"address": p.addr, "target": p.target, "state": string(p.status())}
	}
	return map[string]interface{}{
		"satellite": map[string]string{"address": c.satellite.addr, "target": c.satellite.target,
			"state": string(c.satellite.status())},
		"nodes": nodes,
	}
}

func (c *faultControl) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method == http.MethodGet && len(parts) == 1 && parts[0] == "status" {
		writeJSON(w, http.StatusOK, c.states())
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET /status or POST"})
		return
	}
	var restoreAfter time.Duration
	if v := r.URL.Query().Get("restore_after"); v != "" {
		seconds, err := strconv.ParseFloat(v, 64)
		if err != nil || seconds < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "restore_after: seconds >= 0"})
			return
		}
		restoreAfter = time.Duration(seconds * float64(time.Second))
	}

	var proxy *faultProxy
	node := -1
	var action string
	switch {
	case len(parts) == 2 && parts[0] == "satellite":
		proxy, action = c.satellite, parts[1]
	case len(parts) == 3 && parts[0] == "nodes":
		i, err := strconv.Atoi(parts[1])
		if err != nil || i < 0 || i >= len(c.nodes) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no storage node " + parts[1]})
			return
		}
		proxy, node, action = c.nodes[i], i, parts[2]
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown path " + r.URL.Path})
		return
	}
	states := map[string]proxyState{"stop": stateDown, "start": stateUp, "freeze": stateFrozen, "thaw": stateUp}
	state, ok := states[action]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown action " + action})
		return
	}
	if err := proxy.set(state, restoreAfter); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if node >= 0 && state == stateUp {
		// The satellite may have marked the node offline while it was down or frozen
		// (its check-ins ping back through the proxy).
		err := c.checkIn(r.Context(), node)
		if err == nil {
			err = c.refreshSelection(r.Context())
		}
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, c.states())
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
