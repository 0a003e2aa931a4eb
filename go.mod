module github.com/secmgmt/secmgmt

go 1.24
