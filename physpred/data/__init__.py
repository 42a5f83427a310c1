"""Videos on disk -> uint8 clips (B, T, C, H, W) for training, probe movies for evaluation.

- :func:`read_video`, :func:`video_info`: decord / PyAV / PNG-folder readers.
- :mod:`physpred.data.clips`: pure frame-index arithmetic.
- :class:`VideoClipDataset`, :class:`ProbeDataset`: datasets (instance masks where asked
  for and present; :func:`kinds_from_names` says what each id is); :class:`SequenceWindows`:
  windows of what a model computed once from whole videos.
- :class:`VideoDataModule`, :class:`ProbeDataModule`: LightningDataModules.
- :class:`VideoAugmentation`, :func:`normalize_frames`: transforms.
- :class:`DataWaitMonitor`: callback logging the share of step time spent waiting for data.
"""

from physpred.data.datamodule import ProbeDataModule, VideoDataModule
from physpred.data.datasets import ProbeDataset, SequenceWindows, VideoClipDataset
from physpred.data.layouts import IncompleteSceneError
from physpred.data.masks import kinds_from_names
from physpred.data.readers import VideoInfo, VideoReadError, read_video, video_info
from physpred.data.timing import DataWaitMonitor
from physpred.data.transforms import VideoAugmentation, normalize_frames

__all__ = [
    "DataWaitMonitor",
    "IncompleteSceneError",
    "ProbeDataModule",
    "ProbeDataset",
    "SequenceWindows",
    "VideoAugmentation",
    "VideoClipDataset",
    "VideoDataModule",
    "VideoInfo",
    "VideoReadError",
    "kinds_from_names",
    "normalize_frames",
    "read_video",
    "video_info",
]
