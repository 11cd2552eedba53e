"""analysis.measures._frames: the shared column check names every missing column."""
import pandas as pd
import pytest

from analysis.measures._frames import require_columns


def test_require_columns():
    df = pd.DataFrame({"a": [1], "b": [2]})
    require_columns(df, ["a", "b"])
    with pytest.raises(ValueError, match=r"missing column\(s\): 'c', 'd'"):
        require_columns(df, ["a", "c", "d"])
