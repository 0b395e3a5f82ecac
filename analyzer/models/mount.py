"""Stage 4 (frameworks): components mounted without a template: what runs when they mount.

A component written as an options object with a render function (`{ setup() { …; return () => h('form',
…) } }`, `{ render() {…} }`) is mounted by the app call (`createApp(Comp)`, `createApp({ render: () =>
h(Comp, props) })`) or rendered by a parent's `h(Comp, props)` / `createVNode(Comp, props)`. Vue then calls
its `setup(props)` (and `data()`, and the lifecycle hooks up to `mounted`), and the render function `setup`
returns, or its `render` option: those run at mount, with `setup`'s first parameter the props the parent passed. Code they start (an `onMounted`
callback adding a `visibilitychange` listener) is then reachable from the page's load like any other.

Which calls mount (the [[api]] kind "app") and render (`[compiled_elements] factories`, by name or, renamed by a
minifier, by the library global the callee resolves to: `var Nt = Vue.h`) is data; the option
names are the framework's (`MOUNT_OPTIONS`). A component reached only through a dynamic `component :is` or
a router is not mounted here.
"""
from __future__ import annotations

MOUNT_OPTIONS = ("setup", "render", "data", "beforeCreate", "created", "beforeMount", "mounted")


def mount_components(solver, app_calls: list) -> list[int]:
    """Link what runs at mount; returns the component literals (object ids) mounted or rendered."""
    p = solver.p
    objs = p.objs
    factories = solver.r.element_factories
    work = [(c, 0) for c in app_calls]  # (call, index of the component argument)
    for c in p.calls:
        name = (c.method or c.path.rsplit(".", 1)[-1]) if (c.method or c.path) else ""
        if not c.args or (c.str_args and c.str_args[0]):
            continue
        if name in factories or _renamed_factory(solver, c, factories):
            work.append((c, 0))
    done: set[tuple] = set()
    mounted: list[int] = []
    for c, i in work:
        if i >= len(c.args):
            continue
        for o in sorted(solver.objects(c.args[i])):
            if objs[o][0] != "O" or (c.cid, o) in done:
                continue
            done.add((c.cid, o))
            mounted.append(o)
            lit = objs[o][1]
            for opt in MOUNT_OPTIONS:
                for f in _functions(solver, p.literal_props.get((lit, opt), ())):
                    fn = p.funcs[f]
                    solver.call_edges.add((c.fid, f))
                    if opt == "setup":
                        if fn.params and len(c.args) > i + 1:
                            solver.edges(c.args[i + 1], fn.params[0], "a")  # the props the parent passed
                        ret = solver.objects((fn.ret,))
                        if not any(objs[x][0] == "O" for x in ret):  # a render function, not the bindings
                            for r in _functions(solver, (fn.ret,)):  # (whose functions the literal holds)
                                solver.call_edges.add((f, r))
    return sorted(set(mounted))


def _renamed_factory(solver, c, factories) -> bool:
    """`Nt(Comp)` where `Nt` is a minifier's name for the framework's `h` (a library global the source map
    or an alias names: `var Nt = Vue.h`)."""
    objs = solver.p.objs
    for o in solver.objects(c.callee):
        kind, key = objs[o][0], objs[o][1]
        if kind == "G" and isinstance(key, str) and key.rsplit(".", 1)[-1] in factories:
            return True
    return False


def _functions(solver, vals) -> list[int]:
    objs = solver.p.objs
    return sorted(objs[o][1] for o in solver.objects(vals) if objs[o][0] == "fn")
