"""Call an rft3d reward service from a Python trainer (standard library only).

Start the service first:   ./rft serve --port 8700
Then, for example with TRL's GRPOTrainer, pass `rft3d_reward("detection")` as a reward function; with verl,
use `batch_scores` from a batch reward manager. Each call scores a whole batch in one request.
"""
import json
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8700"


def score(task, completions, gts, url=URL, token=None, timeout=120):
    """Rewards with their parts, in order: [{"reward": r, "parts": {...}, "reason": "..."}, ...]."""
    body = json.dumps({"task": task, "completions": list(completions), "gt": list(gts)}).encode()
    req = urllib.request.Request(url + "/v1/rewards", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.load(resp)["rewards"]
    except urllib.error.HTTPError as e:  # 4xx/5xx carry {"error": .., "field": ..}
        raise RuntimeError(f"rft3d service answered {e.code}: {e.read().decode()}") from None


def rft3d_reward(task, url=URL, token=None):
    """A TRL-style reward function: reward_fn(completions, gt=..., **kwargs) -> list[float].

    The dataset needs a "gt" column holding each prompt's ground-truth object (README's schemas)."""
    def reward_fn(completions, gt, **kwargs):
        texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]  # plain or chat format
        return [r["reward"] for r in score(task, texts, gt, url, token)]
    reward_fn.__name__ = f"rft3d_{task}"
    return reward_fn


def batch_scores(data_sources, solution_strs, ground_truths, extra_infos=None, task="detection", url=URL):
    """A verl-style batch reward: lists in, list of scores out (extra parts are logged by the caller)."""
    return [r["reward"] for r in score(task, solution_strs, ground_truths, url)]


if __name__ == "__main__":
    demo = score("mc", ["<think>the sofa is closer</think><answer>B</answer>", "C"], [{"answer": "B"}, {"answer": "B"}])
    print(json.dumps(demo, indent=1))
