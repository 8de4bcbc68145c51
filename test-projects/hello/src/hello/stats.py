import collections
import statistics


def byte_stats(data):
    if not data:
        return {"mean": None, "most_common": None}
    counts = collections.Counter(data)
    return {"mean": statistics.fmean(data), "most_common": counts.most_common(1)[0][0]}
