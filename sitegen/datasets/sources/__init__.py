"""Source readers: raw files of each kind -> `Examples`."""
