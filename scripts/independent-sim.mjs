#!/usr/bin/env node
// An independent simulated model server for `pro2assist eval --vlm URL` (SPEC §4): written
// apart from the engine's own simulator (src/eval/sim_model.cpp) and with an error model of
// its own, so that the reasoners can be scored against a model that is not the project's.
//
//   node scripts/independent-sim.mjs SESSIONS_DIR [--port N] [--accuracy A] ...
//   pro2assist eval --dataset sessions:SESSIONS_DIR --vlm http://127.0.0.1:N/v1
//
// SESSIONS_DIR holds session folders (SPEC §1; `pro2assist convert captaincook4d --all` writes
// them) with annotations.json and guideline.json. Each request is answered from the ground
// truth of the session named in its metadata (session_id, t_s); the reasoners see only the
// answers. How it errs, unlike the built-in simulator:
//   - right and wrong stretches alternate, each of exponential length; wrong ones last
//     --wrong-run seconds on average, right ones as long as --accuracy asks;
//   - a wrong stretch names one step throughout: the one done before (40%), the one done after
//     (30%) or any step of the guideline (30%); its status is any of the four;
//   - between two steps a right answer names either of them, "transition" 70% of the time;
//   - a right answer's status is right with --status-accuracy, else one of the other three;
//   - the help flag is on in SPEC §5's proactive periods (whether the step named is right or
//     not: the scene shows the moment), flipped on --flag-flip of all answers.
// Deterministic for --seed. Prints "listening on http://127.0.0.1:PORT/v1" once ready.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const STATUSES = ["just_start", "in_progress", "about_to_finish", "transition"];

function usage(msg) {
  if (msg) console.error(`independent-sim: ${msg}`);
  console.error(
    "usage: node scripts/independent-sim.mjs SESSIONS_DIR [--port N] [--accuracy A] " +
      "[--wrong-run S] [--status-accuracy P] [--flag-flip P] [--seed K]");
  process.exit(2);
}

function parseArgs(argv) {
  const opt = { port: 0, accuracy: 0.5, wrongRun: 4, statusAccuracy: 0.75, flagFlip: 0.2,
                seed: "7", dir: null };
  const num = (name, v, lo, hi) => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < lo || x > hi)
      usage(`${name} needs a number in [${lo}, ${hi}], got ${v}`);
    return x;
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === "--port") opt.port = num(a, argv[++i], 0, 65535);
    else if (a === "--accuracy") opt.accuracy = num(a, argv[++i], 0.01, 0.99);
    else if (a === "--wrong-run") opt.wrongRun = num(a, argv[++i], 0.1, 600);
    else if (a === "--status-accuracy") opt.statusAccuracy = num(a, argv[++i], 0, 1);
    else if (a === "--flag-flip") opt.flagFlip = num(a, argv[++i], 0, 1);
    else if (a === "--seed") opt.seed = String(argv[++i] ?? usage("--seed needs a value"));
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else if (opt.dir === null) opt.dir = a;
    else usage(`unexpected argument ${a}`);
  }
  if (opt.dir === null) usage("SESSIONS_DIR is required");
  if (!existsSync(opt.dir)) usage(`no such folder: ${opt.dir}`);
  return opt;
}

const opt = parseArgs(process.argv.slice(2));

// Uniform numbers in [0, 1) from a hash of the key: the same key, the same numbers.
function stream(...key) {
  let counter = 0;
  const base = key.join("|") + "|" + opt.seed;
  return () => {
    const h = createHash("sha256").update(base + "|" + counter++).digest();
    return h.readUInt32LE(0) / 4294967296;
  };
}

// session_id -> folder, from each folder's session.json (else the folder's name).
const folders = new Map();
for (const name of readdirSync(opt.dir, { withFileTypes: true })) {
  if (!name.isDirectory()) continue;
  const dir = join(opt.dir, name.name);
  if (!existsSync(join(dir, "annotations.json"))) continue;
  let id = name.name;
  try {
    id = JSON.parse(readFileSync(join(dir, "session.json"), "utf8")).session_id || id;
  } catch { /* no session.json: the folder's name */ }
  folders.set(id, dir);
}
if (folders.size === 0) usage(`no session folders with annotations.json in ${opt.dir}`);

const sessions = new Map();

function load(id) {
  if (sessions.has(id)) return sessions.get(id);
  const dir = folders.get(id);
  if (!dir) throw Object.assign(new Error(`unknown session_id ${JSON.stringify(id)}`), { code: 404 });
  const truth = JSON.parse(readFileSync(join(dir, "annotations.json"), "utf8"));
  const guideline = JSON.parse(readFileSync(join(dir, "guideline.json"), "utf8"));
  const ids = guideline.steps.map((s) => String(s.id));
  const segs = truth.steps.filter((s) => s.end_s > s.start_s)
                          .map((s) => ({ step: String(s.step), start: s.start_s, end: s.end_s }))
                          .sort((a, b) => a.start - b.start);
  if (segs.length === 0) throw new Error(`session ${id} has no timed steps`);
  // Stretches up to well past the last step.
  const rnd = stream(id, "stretches");
  const stretches = [];
  const rightRun = opt.wrongRun * opt.accuracy / (1 - opt.accuracy);
  let t = 0;
  let wrong = rnd() >= opt.accuracy;
  const horizon = segs[segs.length - 1].end + 3600;
  while (t < horizon) {
    const len = -Math.log(1 - rnd()) * (wrong ? opt.wrongRun : rightRun);
    stretches.push({ start: t, end: t + len, wrong, pick: rnd(), any: rnd() });
    t += len;
    wrong = !wrong;
  }
  const s = { ids, segs, stretches };
  sessions.set(id, s);
  return s;
}

const statusWindow = (g) => Math.min(Math.max(0.2 * (g.end - g.start), 1), 10, (g.end - g.start) / 2);

function truthAt(segs, t) {
  for (let i = segs.length - 1; i >= 0; --i) {
    const g = segs[i];
    if (g.start <= t && t < g.end) {
      const w = statusWindow(g);
      const status = t < g.start + w ? "just_start" : t >= g.end - w ? "about_to_finish" : "in_progress";
      return { cur: i, prev: i - 1, next: i + 1, status };
    }
  }
  let prev = -1;
  segs.forEach((g, i) => { if (g.end <= t) prev = i; });
  return { cur: -1, prev, next: prev + 1, status: "transition" };
}

// SPEC §5: from the end of the steps before (at most 30 s back; the first step from its
// start) to the close of the step's start window, and each about-to-finish window.
function proactive(segs, t) {
  let latestEnd = 0;
  return segs.some((g, i) => {
    const w = statusWindow(g);
    const from = i > 0 ? Math.min(g.start, Math.max(latestEnd, g.start - 30)) : g.start;
    latestEnd = i === 0 ? g.end : Math.max(latestEnd, g.end);
    return (from <= t && t < g.start + w) || (g.end - w <= t && t < g.end);
  });
}

function answer(id, t) {
  const { ids, segs, stretches } = load(id);
  const truth = truthAt(segs, t);
  const rnd = stream(id, t.toFixed(3));
  let right;
  if (truth.cur >= 0) right = segs[truth.cur].step;
  else {
    const around = [truth.prev, truth.next].filter((i) => i >= 0 && i < segs.length);
    right = segs[around[around.length === 1 ? 0 : rnd() < 0.5 ? 0 : 1]].step;
  }
  const stretch = stretches.find((x) => x.start <= t && t < x.end) ?? stretches[stretches.length - 1];
  let step, status;
  if (!stretch.wrong) {
    step = right;
    if (truth.cur < 0) status = rnd() < 0.7 ? "transition" : STATUSES[Math.floor(rnd() * 3)];
    else if (rnd() < opt.statusAccuracy) status = truth.status;
    else {
      const others = STATUSES.filter((x) => x !== truth.status);
      status = others[Math.floor(rnd() * 3)];
    }
  } else {
    const here = truth.cur >= 0 ? truth.cur : Math.max(truth.prev, 0);
    if (stretch.pick < 0.4 && here > 0) step = segs[here - 1].step;
    else if (stretch.pick < 0.7 && here + 1 < segs.length) step = segs[here + 1].step;
    else {
      const others = ids.filter((x) => x !== right);
      const pool = others.length ? others : ids;
      step = pool[Math.floor(stretch.any * pool.length)];
    }
    status = STATUSES[Math.floor(rnd() * 4)];
  }
  let trigger = proactive(segs, t);
  if (rnd() < opt.flagFlip) trigger = !trigger;
  return { step, status, trigger, response: trigger ? "Here is how to go on." : "" };
}

function reply(res, code, body) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json",
                        "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if (req.method !== "POST" || !req.url.endsWith("/chat/completions"))
    return reply(res, 404, `POST {base}/chat/completions only, not ${req.method} ${req.url}`);
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let md;
    try {
      md = JSON.parse(Buffer.concat(chunks).toString("utf8")).metadata ?? {};
    } catch (e) {
      return reply(res, 400, `request is not JSON: ${e.message}`);
    }
    const t = Number(md.t_s);
    if (typeof md.session_id !== "string" || !Number.isFinite(t))
      return reply(res, 400, "metadata needs session_id and t_s (SPEC §4)");
    let a;
    try {
      a = answer(md.session_id, t);
    } catch (e) {
      // An unknown session is the client's mistake; a folder that cannot be read, ours.
      return reply(res, e.code === 404 ? 404 : 500, e.message);
    }
    reply(res, 200, {
      id: `sim-${md.session_id}-${md.t_s}`, object: "chat.completion", model: "independent-sim",
      choices: [{ index: 0, finish_reason: "stop",
                  message: { role: "assistant", content: JSON.stringify(a) } }],
    });
  });
});

server.listen(opt.port, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/v1 ` +
              `(${folders.size} sessions from ${opt.dir})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
