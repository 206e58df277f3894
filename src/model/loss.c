/* being written: see the module header */
