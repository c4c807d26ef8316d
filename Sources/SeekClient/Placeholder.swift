enum PlaceholderSeekClient {}
