// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"unsafe"

	"storj.io/uplink"
)

// Project is the value behind an UplinkProject handle. Its scope is the
// parent of every transfer and listing it starts.
type Project struct {
	scope
	*uplink.Project
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
	project, err := goConfig.OpenProject(scope.ctx, acc.Access)
	if err != nil {
		scope.cancel()
		return C.UplinkProjectResult{error: mallocError(err)}
	}
	cproject := (*C.UplinkProject)(C.calloc(1, C.sizeof_UplinkProject))
	cproject._handle = universe.Add(&Project{scope: scope, Project: project})
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
	return mallocError(proj.Close())
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
		_ = proj.Close()
	}
	C.free(unsafe.Pointer(result.project))
}
