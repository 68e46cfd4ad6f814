"""Jobs on a Ray cluster: the runner's other way to run a job, with the child process's contract.

With `LAB_RAY_ADDRESS` set, `build_runner()` hands every job to `RayBackend.run` instead of a child
process (lab/serve/child.py). The queue, identical jobs, owners, privacy and guards stay in the app;
Ray only runs the work. The address is one of

    local              start a Ray instance on this machine (LAB_RAY_CPUS_TOTAL CPUs, default all)
    auto               the Ray instance this machine belongs to (`ray start` ran here)
    ray://host:10001   a cluster's Ray Client port: the app stays a plain client, so it keeps
                       serving whatever happens to the cluster (a GCS address "host:6379" makes the
                       app a Ray driver, which Ray ends when its cluster goes away)

A Ray 2.60 head started with `ray start` while it had a token (RAY_AUTH_TOKEN, or ~/.ray/auth_token,
which any local ray.init() writes) asks every client for it. The app hands Ray the token it has
(LAB_RAY_TOKEN, else Ray's own RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token) and sets
RAY_AUTH_MODE=token before connecting; a token that is missing or wrong is found by one ping before
ray.init, which would otherwise retry for 30 s and then only say "timeout".

`run(job, target, on_event, watch)` starts one actor per job (lab/serve/ray_worker.py's
`JobHost`) with the CPUs (LAB_RAY_CPUS) and GPUs (LAB_RAY_GPUS, training kinds only) it asks for,
and returns the same outcome tuples as `child.run_isolated`. Events come back by a long poll (the
actor answers as soon as one is emitted); Stop and the time budget reach the job at its next step;
an actor that ignores them for `grace_s` (set with the backend) is killed. The run folder comes back packed and is unpacked
into the app's data folder, and the paths in the result are moved there with it.

Nothing here imports ray until a job runs: lab/ imports without it.
"""
from __future__ import annotations

import os
import re
import socket
import threading
import time
import traceback
from pathlib import Path

from lab import resources
from lab.errors import LabError
from lab.serve.ray_worker import JobHost, job_env, pack_inputs, replace_strings, unpack

POLL_S = 0.05        # how often the app looks at Stop, the budget and the grace period
LONG_POLL_S = 0.5    # the longest an events call waits in the actor when nothing happens
PROBE_S = 3.0        # a closed port answers at once; ray.init alone would retry for 30 s or more
AUTH_CHECK_S = 5.0   # one ping of the client server: it refuses a missing or wrong token at once
GPU_KINDS = ("pretrain", "finetune", "sft", "dpo", "reward", "rl")  # the tokenizer kind has no use for a GPU
NODE_LOST = re.compile(r"node (?:\S+ )?(?:has )?(?:died|is dead|was terminated|was removed)|NodeDied", re.I)


def unreachable(address: str) -> LabError:
    return LabError(f"The Ray cluster at {address} is unreachable, so the job could not run; "
                    "try again in a minute, or ask the instructor to check the cluster.")


def unauthorized(address: str, had_token: bool) -> LabError:
    """The cluster answered but refused the app: a sentence of its own, since trying again cannot help."""
    if had_token:
        return LabError(f"The Ray cluster at {address} refused the app's authentication token, so the job "
                        "could not run; the instructor can copy the cluster's current token into LAB_RAY_TOKEN "
                        "(docs/scale-out.md says how).")
    return LabError(f"The Ray cluster at {address} asks for an authentication token and the app has none, so "
                    "the job could not run; the instructor can copy the cluster's token into LAB_RAY_TOKEN "
                    "(docs/scale-out.md says how).")


_handed = None  # the LAB_RAY_TOKEN last put in RAY_AUTH_TOKEN, so that unsetting it takes it back


def use_token() -> bool:
    """Give Ray the cluster's token and turn token mode on (before ray.init); True when there is one.

    LAB_RAY_TOKEN wins (Ray reads it as RAY_AUTH_TOKEN); else Ray's own loader finds RAY_AUTH_TOKEN,
    RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token. Ray reads the mode and the token once per process and
    caches both, so both caches are refreshed here: a token changed since the last connect is used.
    An operator's explicit RAY_AUTH_MODE=disabled is kept (a cluster started without auth)."""
    global _handed
    try:
        from ray._raylet import AuthenticationTokenLoader, Config
    except ImportError:  # a Ray without token authentication: nothing to hand over
        return False

    if token := os.environ.get("LAB_RAY_TOKEN", "").strip():
        os.environ["RAY_AUTH_TOKEN"] = _handed = token
    elif _handed and os.environ.get("RAY_AUTH_TOKEN") == _handed:
        del os.environ["RAY_AUTH_TOKEN"]  # LAB_RAY_TOKEN went away since: so does what the app made of it
        _handed = None
    loader = AuthenticationTokenLoader.instance()
    loader.reset_cache()
    has_token = loader.has_token(ignore_auth_mode=True)
    if has_token and os.environ.get("RAY_AUTH_MODE", "").lower() != "disabled":
        os.environ["RAY_AUTH_MODE"] = "token"
        Config.initialize("")  # what Ray itself does after setting the mode (authentication_token_setup.py)
        loader.reset_cache()
    return has_token


def _refused(address: str) -> bool:
    """True when the Ray Client server at a ray:// address refuses this app's token (or its lack of one).
    Ray Client takes UNAUTHENTICATED for "not ready yet" and retries until its 30 s timeout, so one ping
    with the same channel ray.init would open (token header, TLS) asks first. Any other answer is left
    to ray.init."""
    import grpc
    from ray._private.grpc_utils import init_grpc_channel
    from ray.core.generated import ray_client_pb2, ray_client_pb2_grpc

    channel = init_grpc_channel(address.removeprefix("ray://"), asynchronous=False)
    try:
        ping = ray_client_pb2.ClusterInfoRequest(type=ray_client_pb2.ClusterInfoType.PING)
        ray_client_pb2_grpc.RayletDriverStub(channel).ClusterInfo(ping, timeout=AUTH_CHECK_S)
        return False
    except grpc.RpcError as exc:
        return exc.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        channel.close()


def lost(node: bool) -> LabError:
    if node:
        return LabError("The cluster node running this job left the cluster before the job finished; "
                        "its log shows how far it got. Run it again.")
    return LabError("The job's Ray worker process ended before the job finished; "
                    "its log shows how far it got. Run it again.")


def resources_for(kind: str) -> dict:
    """What one job of this kind asks Ray for: LAB_RAY_CPUS (default 2) and, for training, LAB_RAY_GPUS."""
    wanted = {"num_cpus": float(os.environ.get("LAB_RAY_CPUS") or 2)}
    gpus = float(os.environ.get("LAB_RAY_GPUS") or 0)
    if gpus and kind in GPU_KINDS:
        wanted["num_gpus"] = gpus
    return wanted


def _probe(address: str) -> bool:
    """True when something listens at the address's host:port (or for "auto", which Ray finds itself)."""
    if address in ("auto", "local"):
        return True
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=PROBE_S):
            return True
    except (OSError, ValueError):
        return False


class RayBackend:
    """Runs the runner's jobs as Ray actors. One per app; `run` may be called from several slots at once."""

    name = "ray"

    def __init__(self, address: str, num_cpus: int | None = None, object_store_mb: int | None = None,
                 grace_s: float = 30.0):
        self.address = address
        self.grace_s = grace_s  # a job that ignores Stop this long is killed
        self.num_cpus = num_cpus or int(os.environ.get("LAB_RAY_CPUS_TOTAL") or 0) or None
        self.object_store_mb = object_store_mb
        self._lock = threading.Lock()
        self._host = None  # JobHost as a Ray actor class, made once connected

    def connect(self):
        """Ray, connected (once; again after the cluster went away). Raises the unreachable sentence."""
        try:
            import ray
        except ImportError:
            raise LabError("Jobs are set to run on a Ray cluster (LAB_RAY_ADDRESS), but Ray is not installed "
                           "with the app; install requirements-ray.txt or unset LAB_RAY_ADDRESS.") from None

        with self._lock:
            if ray.is_initialized() and self._host is not None:
                return ray
            if not _probe(self.address):
                raise unreachable(self.address)
            # "local" makes its own token (ray.init does); any other address is someone's cluster
            has_token = self.address != "local" and use_token()
            if self.address.startswith("ray://"):
                try:
                    refused = _refused(self.address)
                except Exception:  # noqa: BLE001 - the ping is only a shortcut; ray.init still decides
                    refused = False
                if refused:
                    raise unauthorized(self.address, has_token)
            try:
                if self.address == "local":
                    store = self.object_store_mb and self.object_store_mb * 2**20
                    # "local" always starts a new instance: no address would join whatever cluster
                    # RAY_ADDRESS or /tmp/ray/ray_current_cluster names, even a dead one
                    ray.init(address="local", num_cpus=self.num_cpus, object_store_memory=store,
                             include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                             ignore_reinit_error=True)
                else:
                    ray.init(address=self.address, log_to_driver=False, logging_level="ERROR",
                             ignore_reinit_error=True)
            except Exception as exc:  # noqa: BLE001 - whatever Ray says, the page needs one sentence
                if type(exc).__name__ == "AuthenticationError":  # a GCS address refuses a token too
                    raise unauthorized(self.address, has_token) from None
                raise unreachable(self.address) from None
            # Several threads (events, cancel) answer while `run` trains; 4 is plenty for three methods.
            self._host = ray.remote(max_concurrency=4)(JobHost)
            return ray

    def warm(self) -> None:
        """Connect now, at start-up, not at the first job (a local instance takes 10-20 s to start). Only
        on the main thread: a Ray driver started from another thread loses its GCS after 60 s and Ray
        then ends the whole process (seen with ray 2.60 on a local instance). A cluster out of reach is
        only noted here: each job then says so itself."""
        if threading.current_thread() is not threading.main_thread():
            return  # the runner's warm-up thread: the main thread's call connects
        try:
            self.connect()
        except LabError:
            pass

    def shutdown(self) -> None:
        import ray

        with self._lock:
            self._host = None
            ray.shutdown()

    def run(self, job, target, on_event, watch, threads: int | None = None) -> tuple:
        """`target(job.config, ctx)` on the cluster; the outcome tuples of lab/serve/child.py. `threads`
        (the local slots' share of this machine) does not apply: a job asks Ray for LAB_RAY_CPUS."""
        grace_s = self.grace_s
        runs = Path(resources.data_dir()) / "runs"
        inputs, moved = pack_inputs(job.config, runs)  # a failure here is the app's: the runner's crash
        try:
            ray = self.connect()
            host = self._host.options(**resources_for(job.kind)).remote()
            done = host.run.remote(target, job.config, job.id, job.started, job_env(), inputs, moved)
        except LabError as exc:
            return ("error", str(exc))
        except _gone():  # a client whose cluster went away since the last job
            self._forget()
            return ("error", str(unreachable(self.address)))
        try:
            return self._follow(ray, job, host, done, on_event, watch, grace_s, runs)
        finally:
            try:
                ray.kill(host)  # its CPUs go back to the cluster at once
            except Exception:  # noqa: BLE001 - already gone with its node or its cluster
                pass

    def _follow(self, ray, job, host, done, on_event, watch, grace_s, runs: Path) -> tuple:
        from ray import exceptions as rx

        cursor, poll, cancelled_at, killed = 0, host.events.remote(0, LONG_POLL_S), None, False
        try:
            while True:
                watch()
                if job.cancel_event.is_set() and cancelled_at is None:
                    host.cancel.remote()
                    cancelled_at = time.monotonic()
                if cancelled_at is not None and not killed and time.monotonic() - cancelled_at > grace_s:
                    ray.kill(host)  # it ignored Stop for the whole grace period
                    killed = True
                ready, _ = ray.wait([poll, done], num_returns=1, timeout=POLL_S)
                if poll in ready:
                    events, cursor = ray.get(poll)
                    for event in events:
                        on_event(event)
                    poll = host.events.remote(cursor, LONG_POLL_S)
                elif done in ready:
                    for event in ray.get(host.events.remote(cursor, 0))[0]:  # the last ones, if any
                        on_event(event)
                    outcome, files, scratch = ray.get(done)
                    break
        except rx.RayActorError as exc:
            if killed:
                return ("cancelled",)
            return ("died", str(lost(bool(NODE_LOST.search(str(exc))))))
        except rx.ObjectLostError:  # it finished, but the node holding its result went away
            return ("died", str(lost(True)))
        except rx.RayTaskError as exc:  # the job finished but its result could not be sent back
            return ("crash", f"the job's result could not be sent back ({type(exc.cause).__name__}: {exc.cause})",
                    traceback.format_exc())
        except _gone():  # the client lost its cluster; an error of the app's own (on_event) is not caught here
            self._forget()
            return ("error", str(unreachable(self.address)))
        unpack(files, runs)  # <data dir>/runs/<job id>, as if it had trained here
        home = str(runs.parent)
        return replace_strings(outcome, lambda s: home + s[len(scratch):] if s.startswith(scratch) else s)

    def _forget(self) -> None:
        """Drop a connection that is gone, so the next job connects afresh (the cluster may be back by
        then). One that still answers is kept: other slots' jobs run on it, and shutting down a
        "local" instance would end them all."""
        import ray

        if self.address == "local" or ray.is_initialized():
            return
        try:
            self.shutdown()
        except Exception:  # noqa: BLE001 - clearing a dead client's state; the next connect starts anew
            self._host = None


def _gone() -> tuple:
    """What Ray raises when the cluster itself is out of reach (Ray Client: ConnectionError)."""
    from ray import exceptions as rx

    return (ConnectionError, rx.RaySystemError, rx.LocalRayletDiedError, rx.GetTimeoutError)


def serve_env(slots: int, address: str = "local", cpus: int | None = None) -> dict:
    """The environment of an app whose `slots` jobs run side by side on Ray (bench/classroom.py --backend
    ray): on a local instance each job asks for an equal share of the machine's CPUs."""
    cpus = cpus or os.cpu_count() or 1
    env = {"LAB_RAY_ADDRESS": address, "LAB_WORKERS": str(slots)}
    env["LAB_RAY_CPUS"] = os.environ.get("LAB_RAY_CPUS") or str(max(1, cpus // max(1, slots)))
    if address == "local":
        env["LAB_RAY_CPUS_TOTAL"] = str(cpus)
    return env
