// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"time"
	"unsafe"

	"github.com/zeebo/errs"

	"storj.io/common/rpc/rpcpool"
	"storj.io/uplink"
	"storj.io/uplink/private/transport"
)

// Project is the value behind an UplinkProject handle. Its scope is the
// parent of every transfer and listing it starts.
type Project struct {
	scope
	*uplink.Project
	// satellites is the project's pool of satellite connections (nil in
	// the views of async calls, which share their project's).
	satellites *rpcpool.Pool
}

// satelliteIdle is how many idle connections to the satellite a project
// keeps for reuse. Go's default pool keeps 5: when more requests than that
// end at once (an event loop that starts the next calls of a batch of
// completions together), the extra connections are closed and the next
// requests dial and TLS-handshake anew, which doubled the CPU of 64
// concurrent stats. The idle ones expire after 2 minutes, as Go's do.
const satelliteIdle = 100

// newSatellitePool makes the pool of satelliteIdle connections.
func newSatellitePool() *rpcpool.Pool {
	return rpcpool.New(rpcpool.Options{
		Capacity:       satelliteIdle,
		KeyCapacity:    satelliteIdle,
		IdleExpiration: 2 * time.Minute,
	})
}

// close closes the project and its satellite pool (which Go's Close leaves
// open when the config brought it).
func (proj *Project) close() error {
	err := proj.Close()
	if proj.satellites != nil {
		err = errs.Combine(err, proj.satellites.Close())
	}
	return err
}

// getProject resolves a project handle.
func getProject(project *C.UplinkProject) (*Project, error) {
	if project == nil {
		return nil, errNull("project")
	}
	value, ok := lookup[*Project](project._handle)
	if !ok {
		return nil, errInvalidHandle("project")
	}
	return value, nil
}

// uplink_open_project opens a project with the default config.
//
//export uplink_open_project
func uplink_open_project(access *C.UplinkAccess) C.UplinkProjectResult {
	return uplink_config_open_project(C.UplinkConfig{}, access)
}

// uplink_config_open_project opens a project with a custom config.
//
//export uplink_config_open_project
func uplink_config_open_project(config C.UplinkConfig, access *C.UplinkAccess) C.UplinkProjectResult {
	return uplink_config_open_project2(config, nil, access)
}

// uplink_config_open_project2 opens a project with a custom config and the
// request and stall timeouts of timeouts (NULL: the defaults); everything
// the project starts inherits them.
//
//export uplink_config_open_project2
func uplink_config_open_project2(config C.UplinkConfig, timeouts *C.UplinkConfigTimeouts, access *C.UplinkAccess) C.UplinkProjectResult {
	acc, err := getAccess(access)
	if err != nil {
		return C.UplinkProjectResult{error: mallocError(err)}
	}
	goConfig, lim := configToGo(config, timeouts)
	scope := rootScope(lim)
	satellites := newSatellitePool()
	_ = transport.SetSatelliteConnectionPool(scope.ctx, &goConfig, satellites)
	project, err := goConfig.OpenProject(scope.ctx, acc.Access)
	if err != nil {
		scope.cancel()
		_ = satellites.Close()
		return C.UplinkProjectResult{error: mallocError(err)}
	}
	cproject := (*C.UplinkProject)(C.calloc(1, C.sizeof_UplinkProject))
	cproject._handle = universe.Add(&Project{scope: scope, Project: project, satellites: satellites})
	return C.UplinkProjectResult{project: cproject}
}

// uplink_close_project cancels everything the project started and closes it.
// The handle stays valid until uplink_free_project_result.
//
//export uplink_close_project
func uplink_close_project(project *C.UplinkProject) *C.UplinkError {
	proj, err := getProject(project)
	if err != nil {
		return mallocError(err)
	}
	proj.cancel()
	return mallocError(proj.close())
}

// uplink_revoke_access revokes access and every access derived from it.
//
//export uplink_revoke_access
func uplink_revoke_access(project *C.UplinkProject, access *C.UplinkAccess) *C.UplinkError {
	proj, err := getProject(project)
	if err != nil {
		return mallocError(err)
	}
	acc, err := getAccess(access)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(proj.RevokeAccess(ctx, acc.Access)))
}

// uplink_free_project_result frees the result, closing the project if it
// is still open.
//
//export uplink_free_project_result
func uplink_free_project_result(result C.UplinkProjectResult) {
	uplink_free_error(result.error)
	if result.project == nil {
		return
	}
	if proj, ok := universe.Del(result.project._handle).(*Project); ok {
		proj.cancel()
		_ = proj.close()
	}
	C.free(unsafe.Pointer(result.project))
}
