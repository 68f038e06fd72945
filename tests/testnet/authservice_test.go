// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package testnet

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"

	"storj.io/common/pb"
	"storj.io/common/rpc/rpcstatus"
	"storj.io/drpc/drpcmux"
	"storj.io/drpc/drpcserver"
	"storj.io/uplink"
)

// authService is a small local stand-in for Storj's auth service (the edge
// service that turns an access grant into S3 credentials). It speaks the
// real DRPC EdgeAuth protocol that storj.io/uplink/edge dials, accepts only
// grants of the local satellite, and serves the registered grants back over
// HTTP (GET /v1/access/<access key id>) so tests can check what it received.
type authService struct {
	satelliteURL string
	endpoint     string

	mu      sync.Mutex
	granted map[string]registeredAccess
}

type registeredAccess struct {
	AccessGrant string `json:"access_grant"`
	SecretKey   string `json:"secret_key"`
	Public      bool   `json:"public"`
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomKey(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return strings.ToLower(keyEncoding.EncodeToString(buf))
}

// RegisterAccess implements pb.DRPCEdgeAuthServer.
func (service *authService) RegisterAccess(ctx context.Context, request *pb.EdgeRegisterAccessRequest) (*pb.EdgeRegisterAccessResponse, error) {
	access, err := uplink.ParseAccess(request.AccessGrant)
	if err != nil {
		return nil, rpcstatus.Errorf(rpcstatus.InvalidArgument, "invalid access grant: %v", err)
	}
	if access.SatelliteAddress() != service.satelliteURL {
		return nil, rpcstatus.Errorf(rpcstatus.PermissionDenied, "access grant of an unknown satellite")
	}
	keyID, secret := randomKey(17), randomKey(32)
	service.mu.Lock()
	service.granted[keyID] = registeredAccess{AccessGrant: request.AccessGrant, SecretKey: secret, Public: request.Public}
	service.mu.Unlock()
	return &pb.EdgeRegisterAccessResponse{AccessKeyId: keyID, SecretKey: secret, Endpoint: service.endpoint}, nil
}

func (service *authService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	keyID, found := strings.CutPrefix(r.URL.Path, "/v1/access/")
	service.mu.Lock()
	registered, known := service.granted[keyID]
	service.mu.Unlock()
	if r.Method != http.MethodGet || !found || !known {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(registered)
}

// startAuthService serves the DRPC auth endpoint and its HTTP side on
// loopback until ctx ends. It returns both addresses.
func startAuthService(ctx context.Context, satelliteURL string) (drpcAddress, httpAddress string, err error) {
	drpcListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", err
	}
	httpListener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = drpcListener.Close()
		return "", "", err
	}
	service := &authService{
		satelliteURL: satelliteURL,
		endpoint:     "http://" + httpListener.Addr().String(),
		granted:      map[string]registeredAccess{},
	}
	mux := drpcmux.New()
	if err := pb.DRPCRegisterEdgeAuth(mux, service); err != nil {
		_ = drpcListener.Close()
		_ = httpListener.Close()
		return "", "", err
	}
	go func() { _ = drpcserver.New(mux).Serve(ctx, drpcListener) }()
	httpServer := &http.Server{Handler: service}
	go func() { _ = httpServer.Serve(httpListener) }()
	go func() {
		<-ctx.Done()
		_ = httpServer.Close()
	}()
	return drpcListener.Addr().String(), httpListener.Addr().String(), nil
}
