package io.plasmavmc.host;

/**
 * The host's spawn slots now: its limit, the spawns holding a slot, those waiting for one, and how
 * many were refused HOST_BUSY since the worker started (for its metrics).
 */
public record SpawnLoad(int limit, int running, int waiting, long refused) {}
