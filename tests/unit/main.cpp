#define BOOST_TEST_MODULE access_service_unit
#include <boost/test/unit_test.hpp>
