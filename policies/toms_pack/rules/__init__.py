"""The pack's rules, one module per family; each rule registers itself with its decorator, and
`kit.discover` imports every module here, so adding a module is all it takes to add its rules."""
